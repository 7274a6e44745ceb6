/**
 * Remote-write series a tenant has sent before, found by the raw bytes of their label fields:
 * a client sends the same series with the same bytes every time, so a hit needs no protobuf or
 * UTF-8 decoding, no sorting, no validation and no string. Lookup is by a hash of the bytes,
 * then a byte comparison.
 */

interface Entry {
  bytes: Uint8Array;
  ref: number;
  next: Entry | undefined;
}

/** A 32-bit FNV-1a-style hash of bytes [from, to), four bytes per step. */
export function hashBytes(buf: Uint8Array, from: number, to: number): number {
  let h = 0x811c9dc5 ^ (to - from);
  let i = from;
  for (; i + 4 <= to; i += 4) {
    h = Math.imul(h ^ (buf[i]! | (buf[i + 1]! << 8) | (buf[i + 2]! << 16) | (buf[i + 3]! << 24)), 0x01000193);
    h ^= h >>> 15;
  }
  for (; i < to; i++) h = Math.imul(h ^ buf[i]!, 0x01000193);
  return h >>> 0;
}

function equalBytes(a: Uint8Array, buf: Uint8Array, from: number, to: number): boolean {
  if (a.length !== to - from) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== buf[from + i]) return false;
  return true;
}

export class LabelBytesCache {
  private readonly byHash = new Map<number, Entry>();

  /** The series ref stored for bytes [from, to) of `buf`, whose hash is `hash`. */
  get(buf: Uint8Array, from: number, to: number, hash: number): number | undefined {
    for (let e = this.byHash.get(hash); e; e = e.next) if (equalBytes(e.bytes, buf, from, to)) return e.ref;
    return undefined;
  }

  set(buf: Uint8Array, from: number, to: number, hash: number, ref: number): void {
    for (let e = this.byHash.get(hash); e; e = e.next)
      if (equalBytes(e.bytes, buf, from, to)) {
        e.ref = ref;
        return;
      }
    this.byHash.set(hash, { bytes: buf.slice(from, to), ref, next: this.byHash.get(hash) });
  }

  clear(): void {
    this.byHash.clear();
  }
}
