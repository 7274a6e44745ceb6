/** Minimal protobuf wire-format reader and writer (varint, fixed64, length-delimited). */

export class ProtoError extends Error {
  override name = 'ProtoError';
}

export class ProtoReader {
  pos: number;
  end: number;
  constructor(
    readonly buf: Uint8Array,
    start = 0,
    end = buf.length,
  ) {
    this.pos = start;
    this.end = end;
  }

  /** Points the reader at another range of the same buffer (no allocation). */
  reset(start: number, end: number): this {
    this.pos = start;
    this.end = end;
    return this;
  }

  get done(): boolean {
    return this.pos >= this.end;
  }

  /** Varint as a JS number; negative int64 (10-byte varints) are decoded via BigInt. */
  varint(): number {
    let result = 0;
    let scale = 1;
    const start = this.pos;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new ProtoError('truncated varint');
      const b = this.buf[this.pos++]!;
      result += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (i === 9) return Number(BigInt.asIntN(64, this.bigVarint(start)));
        return result;
      }
      scale *= 128;
    }
    throw new ProtoError('varint too long');
  }

  private bigVarint(start: number): bigint {
    let result = 0n;
    for (let i = 0; i < 10; i++) result |= BigInt(this.buf[start + i]! & 0x7f) << BigInt(7 * i);
    return result;
  }

  /** A field tag: `field << 3 | wire` (split it with `>>> 3` and `& 7`). */
  tag(): number {
    return this.varint();
  }

  /** Returns [start, end) of a length-delimited field. */
  bytes(): [number, number] {
    const len = this.varint();
    const start = this.pos;
    const end = start + len;
    if (end > this.end) throw new ProtoError('length-delimited field runs past the end of its message');
    this.pos = end;
    return [start, end];
  }

  fixed32(): number {
    if (this.pos + 4 > this.end) throw new ProtoError('truncated fixed32');
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24)) >>> 0;
  }

  skip(wire: number): void {
    switch (wire) {
      case 0:
        this.varint();
        return;
      case 1:
        this.pos += 8;
        break;
      case 2:
        this.bytes();
        return;
      case 5:
        this.pos += 4;
        break;
      default:
        throw new ProtoError(`unsupported wire type ${wire}`);
    }
    if (this.pos > this.end) throw new ProtoError('truncated field');
  }
}

const encoder = new TextEncoder();

export class ProtoWriter {
  private buf = new Uint8Array(1024);
  pos = 0;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n));
    grown.set(this.buf.subarray(0, this.pos));
    this.buf = grown;
  }

  varint(v: number): void {
    this.ensure(10);
    if (v < 0) {
      let b = BigInt.asUintN(64, BigInt(v));
      for (let i = 0; i < 10; i++) {
        const byte = Number(b & 0x7fn);
        b >>= 7n;
        this.buf[this.pos++] = b > 0n ? byte | 0x80 : byte;
        if (b === 0n) return;
      }
      return;
    }
    while (v >= 0x80) {
      this.buf[this.pos++] = (v % 128) | 0x80;
      v = Math.floor(v / 128);
    }
    this.buf[this.pos++] = v;
  }

  tag(field: number, wire: number): void {
    this.varint(field * 8 + wire);
  }

  double(field: number, v: number): void {
    this.tag(field, 1);
    this.ensure(8);
    new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).setFloat64(0, v, true);
    this.pos += 8;
  }

  string(field: number, s: string): void {
    const bytes = encoder.encode(s);
    this.tag(field, 2);
    this.varint(bytes.length);
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Appends bytes already in wire format (e.g. a pre-encoded field). */
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** Writes a nested message produced by `fn` as a length-delimited field, in place. */
  message(field: number, fn: (w: ProtoWriter) => void): void {
    this.tag(field, 2);
    // Reserve one length byte, write the body, then widen the length if the body needs it.
    this.ensure(1);
    const lengthAt = this.pos++;
    fn(this);
    const length = this.pos - lengthAt - 1;
    let size = 1;
    for (let v = length; v >= 0x80; v = Math.floor(v / 128)) size++;
    if (size > 1) {
      this.ensure(size - 1);
      this.buf.copyWithin(lengthAt + size, lengthAt + 1, this.pos);
      this.pos += size - 1;
    }
    let v = length;
    for (let i = 0; i < size; i++) {
      this.buf[lengthAt + i] = i < size - 1 ? (v % 128) | 0x80 : v;
      v = Math.floor(v / 128);
    }
  }

  finish(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}
