/**
 * Snappy block-format decompression (what remote write sends) into a caller-owned buffer that is
 * reused from request to request: no output allocation per request, and long back-references
 * (label sets repeated in every series) are copied with `copyWithin` instead of byte by byte.
 */

export class SnappyError extends Error {
  override name = 'SnappyError';
}

/** Below this length a byte loop beats the call overhead of copyWithin / set. */
const SHORT_COPY = 16;

/** The uncompressed length from the block's preamble (a little-endian base-128 varint). */
function preamble(src: Uint8Array): { length: number; pos: number } {
  let length = 0;
  let scale = 1;
  for (let pos = 0; pos < 5; pos++) {
    if (pos >= src.length) throw new SnappyError('truncated length preamble');
    const b = src[pos]!;
    length += (b & 0x7f) * scale;
    if (b < 0x80) return { length, pos: pos + 1 };
    scale *= 128;
  }
  throw new SnappyError('length preamble too long');
}

export class SnappyDecoder {
  private out = new Uint8Array(64 * 1024);

  /**
   * Decompresses `src`; the result is a view of this decoder's buffer, valid until the next call.
   * Throws SnappyError for corrupt input or an uncompressed length over `maxLength`.
   */
  decode(src: Uint8Array, maxLength: number): Uint8Array {
    const { length, pos: start } = preamble(src);
    if (length > maxLength)
      throw new SnappyError(`uncompressed length ${length} exceeds the limit ${maxLength}`);
    if (this.out.length < length) this.out = new Uint8Array(Math.max(length, this.out.length * 2));
    const out = this.out;
    let pos = start;
    let o = 0;
    while (pos < src.length) {
      const tag = src[pos++]!;
      const type = tag & 3;
      if (type === 0) {
        let len = tag >>> 2;
        if (len >= 60) {
          const bytes = len - 59;
          if (pos + bytes > src.length) throw new SnappyError('truncated literal length');
          len = 0;
          for (let i = 0; i < bytes; i++) len += src[pos + i]! * 2 ** (8 * i);
          pos += bytes;
        }
        len += 1;
        if (pos + len > src.length) throw new SnappyError('literal runs past the input');
        if (o + len > length) throw new SnappyError('output longer than the declared length');
        if (len < SHORT_COPY) for (let i = 0; i < len; i++) out[o + i] = src[pos + i]!;
        else out.set(src.subarray(pos, pos + len), o);
        pos += len;
        o += len;
        continue;
      }
      let len: number;
      let offset: number;
      if (type === 1) {
        if (pos + 1 > src.length) throw new SnappyError('truncated copy');
        len = 4 + ((tag >>> 2) & 7);
        offset = ((tag >>> 5) << 8) | src[pos++]!;
      } else if (type === 2) {
        if (pos + 2 > src.length) throw new SnappyError('truncated copy');
        len = 1 + (tag >>> 2);
        offset = src[pos]! | (src[pos + 1]! << 8);
        pos += 2;
      } else {
        if (pos + 4 > src.length) throw new SnappyError('truncated copy');
        len = 1 + (tag >>> 2);
        offset = (src[pos]! | (src[pos + 1]! << 8) | (src[pos + 2]! << 16) | (src[pos + 3]! << 24)) >>> 0;
        pos += 4;
      }
      if (offset === 0 || offset > o) throw new SnappyError('copy offset out of range');
      if (o + len > length) throw new SnappyError('output longer than the declared length');
      const from = o - offset;
      // An overlapping copy repeats the last `offset` bytes: only a forward byte loop does that.
      if (len < SHORT_COPY || offset < len) for (let i = 0; i < len; i++) out[o + i] = out[from + i]!;
      else out.copyWithin(o, from, from + len);
      o += len;
    }
    if (o !== length) throw new SnappyError('output shorter than the declared length');
    return out.subarray(0, length);
  }
}
