/**
 * Bit-level writer and reader over a byte buffer, most significant bit first (as Prometheus's
 * bstream). Values are written in pieces of at most 32 bits so all arithmetic stays in int32;
 * 64-bit words are passed as (hi, lo) halves.
 */
export class BitWriter {
  bytes: Uint8Array;
  /** Number of bits written. */
  bitLength = 0;

  constructor(initialBytes = 32) {
    this.bytes = new Uint8Array(initialBytes);
  }

  private ensure(bits: number): void {
    const needed = (this.bitLength + bits + 7) >>> 3;
    if (needed <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(needed, this.bytes.length * 2));
    grown.set(this.bytes);
    this.bytes = grown;
  }

  writeBit(bit: number): void {
    this.ensure(1);
    if (bit) this.bytes[this.bitLength >>> 3]! |= 0x80 >>> (this.bitLength & 7);
    this.bitLength++;
  }

  /** Writes the low `count` bits of `value` (count ≤ 32). */
  writeBits(value: number, count: number): void {
    this.ensure(count);
    const bytes = this.bytes;
    while (count > 0) {
      const offset = this.bitLength & 7;
      const take = Math.min(count, 8 - offset);
      const shifted = count - take;
      const piece = (shifted >= 32 ? 0 : value >>> shifted) & ((1 << take) - 1);
      bytes[this.bitLength >>> 3]! |= piece << (8 - offset - take);
      this.bitLength += take;
      count -= take;
    }
  }

  /** Writes the low `count` bits of the 64-bit word hi:lo (count ≤ 64). */
  writeBits64(hi: number, lo: number, count: number): void {
    if (count > 32) {
      this.writeBits(hi, count - 32);
      this.writeBits(lo, 32);
    } else {
      this.writeBits(lo, count);
    }
  }

  /** Unsigned LEB128 varint of a non-negative safe integer. */
  writeUvarint(value: number): void {
    while (value >= 0x80) {
      this.writeBits((value % 128) | 0x80, 8);
      value = Math.floor(value / 128);
    }
    this.writeBits(value, 8);
  }

  /** Zig-zag signed varint, as Go's binary.PutVarint. */
  writeVarint(value: number): void {
    this.writeUvarint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** The written bytes (a view, valid until the next write). */
  finish(): Uint8Array {
    return this.bytes.subarray(0, (this.bitLength + 7) >>> 3);
  }
}

export class BitReader {
  private pos = 0;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly bitLimit = bytes.length * 8,
  ) {}

  reset(pos = 0): void {
    this.pos = pos;
  }

  get position(): number {
    return this.pos;
  }

  readBit(): number {
    if (this.pos >= this.bitLimit) throw new RangeError('bitstream: read past end');
    const bit = (this.bytes[this.pos >>> 3]! >>> (7 - (this.pos & 7))) & 1;
    this.pos++;
    return bit;
  }

  /** Reads `count` bits (≤ 32) as an unsigned number. */
  readBits(count: number): number {
    if (this.pos + count > this.bitLimit) throw new RangeError('bitstream: read past end');
    const bytes = this.bytes;
    if (count === 0) return 0;
    if (count <= 24) {
      // Fast path: the bits lie within a 4-byte window (offset ≤ 7, so offset + count ≤ 31).
      const i = this.pos >>> 3;
      const window =
        ((bytes[i]! << 24) |
          ((bytes[i + 1] ?? 0) << 16) |
          ((bytes[i + 2] ?? 0) << 8) |
          (bytes[i + 3] ?? 0)) >>>
        0;
      const result = ((window << (this.pos & 7)) >>> 0) >>> (32 - count);
      this.pos += count;
      return result;
    }
    // 25..32 bits: a 40-bit window (the offset is ≤ 7, so offset + count ≤ 39).
    const i = this.pos >>> 3;
    const offset = this.pos & 7;
    const first =
      ((bytes[i]! << 24) | ((bytes[i + 1] ?? 0) << 16) | ((bytes[i + 2] ?? 0) << 8) | (bytes[i + 3] ?? 0)) >>>
      0;
    const window = ((first << offset) | ((bytes[i + 4] ?? 0) >>> (8 - offset))) >>> 0;
    this.pos += count;
    // count is 25..32, so the shift is 0..7 (JavaScript shifts count modulo 32).
    return window >>> (32 - count);
  }

  readUvarint(): number {
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      const byte = this.readBits(8);
      result += (byte & 0x7f) * scale;
      if (byte < 0x80) return result;
      scale *= 128;
    }
    throw new RangeError('bitstream: varint overflow');
  }

  readVarint(): number {
    const u = this.readUvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }
}
