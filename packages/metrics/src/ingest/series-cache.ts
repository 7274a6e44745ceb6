/**
 * Remote-write series a tenant has sent before, found by the raw bytes of their label fields:
 * a client sends the same series with the same bytes every time, so a hit needs no protobuf or
 * UTF-8 decoding, no sorting, no validation and no string. Lookup is by a hash of the bytes
 * (or by the order the client sent them last time), then a byte comparison.
 */

interface Entry {
  bytes: Uint8Array;
  ref: number;
  /** Next entry with the same hash. */
  next: Entry | undefined;
  /** The series that came after this one last time: clients send series in a stable order. */
  follower: Entry | undefined;
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
  private last: Entry | undefined;

  private remember(entry: Entry): number {
    if (this.last) this.last.follower = entry;
    this.last = entry;
    return entry.ref;
  }

  /**
   * The series ref stored for bytes [from, to) of `buf`. The successor of the previous lookup's
   * series is tried first, so a client repeating its order costs one comparison and no hashing.
   */
  get(buf: Uint8Array, from: number, to: number): number | undefined {
    const guess = this.last?.follower;
    if (guess && equalBytes(guess.bytes, buf, from, to)) return this.remember(guess);
    for (let e = this.byHash.get(hashBytes(buf, from, to)); e; e = e.next)
      if (equalBytes(e.bytes, buf, from, to)) return this.remember(e);
    return undefined;
  }

  set(buf: Uint8Array, from: number, to: number, ref: number): void {
    const hash = hashBytes(buf, from, to);
    for (let e = this.byHash.get(hash); e; e = e.next)
      if (equalBytes(e.bytes, buf, from, to)) {
        e.ref = ref;
        this.remember(e);
        return;
      }
    const entry: Entry = {
      bytes: buf.slice(from, to),
      ref,
      next: this.byHash.get(hash),
      follower: undefined,
    };
    this.byHash.set(hash, entry);
    this.remember(entry);
  }

  clear(): void {
    this.byHash.clear();
    this.last = undefined;
  }
}
