/**
 * Remote-write series a tenant has sent before, found by the raw bytes of their label fields:
 * a client sends the same series with the same bytes every time, so a hit needs no protobuf or
 * UTF-8 decoding, no sorting, no validation and no string. Lookup is by a hash of the bytes
 * (or by the order the client sent them last time), then a byte comparison.
 */

interface Entry {
  /** A copy of the label bytes, read through a DataView: four bytes per comparison step. */
  bytes: DataView;
  ref: number;
  /** Next entry with the same hash. */
  next: Entry | undefined;
  /** The series that came after this one last time: clients send series in a stable order. */
  follower: Entry | undefined;
}

/** A 32-bit FNV-1a-style hash of bytes [from, to), four bytes per step. */
export function hashBytes(view: DataView, from: number, to: number): number {
  let h = 0x811c9dc5 ^ (to - from);
  let i = from;
  for (; i + 4 <= to; i += 4) {
    h = Math.imul(h ^ view.getInt32(i, true), 0x01000193);
    h ^= h >>> 15;
  }
  for (; i < to; i++) h = Math.imul(h ^ view.getUint8(i), 0x01000193);
  return h >>> 0;
}

function equalBytes(a: DataView, view: DataView, from: number, to: number): boolean {
  const length = to - from;
  if (a.byteLength !== length) return false;
  let i = 0;
  for (; i + 4 <= length; i += 4) if (a.getInt32(i) !== view.getInt32(from + i)) return false;
  for (; i < length; i++) if (a.getUint8(i) !== view.getUint8(from + i)) return false;
  return true;
}

export class LabelBytesCache {
  private readonly byHash = new Map<number, Entry>();
  private last: Entry | undefined;
  private buf: Uint8Array | undefined;
  private view: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

  /** A DataView of `buf`, made once per request buffer. */
  private viewOf(buf: Uint8Array): DataView {
    if (buf !== this.buf) {
      this.buf = buf;
      this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    }
    return this.view;
  }

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
    const view = this.viewOf(buf);
    const guess = this.last?.follower;
    if (guess && equalBytes(guess.bytes, view, from, to)) return this.remember(guess);
    for (let e = this.byHash.get(hashBytes(view, from, to)); e; e = e.next)
      if (equalBytes(e.bytes, view, from, to)) return this.remember(e);
    return undefined;
  }

  set(buf: Uint8Array, from: number, to: number, ref: number): void {
    const view = this.viewOf(buf);
    const hash = hashBytes(view, from, to);
    for (let e = this.byHash.get(hash); e; e = e.next)
      if (equalBytes(e.bytes, view, from, to)) {
        e.ref = ref;
        this.remember(e);
        return;
      }
    const bytes = new DataView(buf.slice(from, to).buffer);
    const entry: Entry = { bytes, ref, next: this.byHash.get(hash), follower: undefined };
    this.byHash.set(hash, entry);
    this.remember(entry);
  }

  clear(): void {
    this.byHash.clear();
    this.last = undefined;
    this.buf = undefined;
  }
}
