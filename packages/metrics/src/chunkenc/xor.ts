/**
 * Gorilla chunk encoding (Pelkonen et al., VLDB 2015) in Prometheus's XOR chunk layout:
 * a 2-byte sample count, then the first timestamp as a varint and the first value raw, the
 * second timestamp as a delta, and from then on delta-of-delta timestamps in 1/16/20/24/68-bit
 * buckets and values XORed with their predecessor, storing only the meaningful bits.
 */
import { BitReader, BitWriter } from './bitstream.js';

/** Prometheus cuts a head chunk after this many samples. */
export const SAMPLES_PER_CHUNK = 120;

// Float <-> word conversion through one shared buffer: no allocation per sample.
const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

/** Prometheus's staleness marker: a NaN with the bit pattern 0x7ff0000000000002. */
export const STALE_NAN_HI = 0x7ff00000;
export const STALE_NAN_LO = 2;
export const StaleNaN: number = (() => {
  u32[0] = STALE_NAN_LO;
  u32[1] = STALE_NAN_HI;
  return f64[0]!;
})();

/** True when `values[i]` holds the staleness marker. Reads the bits from the array itself. */
export function isStaleAt(values: Float64Array, i: number): boolean {
  const words = new Uint32Array(values.buffer, values.byteOffset, values.length * 2);
  return words[i * 2] === STALE_NAN_LO && words[i * 2 + 1] === STALE_NAN_HI;
}

export function isStaleNaN(value: number): boolean {
  f64[0] = value;
  return u32[0] === STALE_NAN_LO && u32[1] === STALE_NAN_HI;
}

function bitRange(x: number, nbits: number): boolean {
  return -((1 << (nbits - 1)) - 1) <= x && x <= 1 << (nbits - 1);
}

const TWO_32 = 4294967296;

export class XORChunk {
  private readonly w: BitWriter;
  numSamples = 0;
  minT = 0;
  maxT = 0;
  private tDelta = 0;
  private vHi = 0;
  private vLo = 0;
  private leading = 0xff;
  private trailing = 0;

  constructor(initialBytes = 128) {
    this.w = new BitWriter(initialBytes);
    this.w.writeBits(0, 16);
  }

  /** Appends a sample; the caller guarantees t > maxT. `hi`/`lo` are the raw float bits. */
  appendBits(t: number, hi: number, lo: number): void {
    const w = this.w;
    const n = this.numSamples;
    if (n === 0) {
      w.writeVarint(t);
      w.writeBits(hi, 32);
      w.writeBits(lo, 32);
      this.minT = t;
    } else if (n === 1) {
      const delta = t - this.maxT;
      w.writeUvarint(delta);
      this.writeValue(hi, lo);
      this.tDelta = delta;
    } else {
      const delta = t - this.maxT;
      const dod = delta - this.tDelta;
      if (dod === 0) {
        w.writeBit(0);
      } else if (bitRange(dod, 14)) {
        w.writeBits(0b10, 2);
        w.writeBits(dod & 0x3fff, 14);
      } else if (bitRange(dod, 17)) {
        w.writeBits(0b110, 3);
        w.writeBits(dod & 0x1ffff, 17);
      } else if (bitRange(dod, 20)) {
        w.writeBits(0b1110, 4);
        w.writeBits(dod & 0xfffff, 20);
      } else {
        w.writeBits(0b1111, 4);
        w.writeBits(Math.floor(dod / TWO_32) | 0, 32);
        w.writeBits(dod >>> 0, 32);
      }
      this.writeValue(hi, lo);
      this.tDelta = delta;
    }
    this.maxT = t;
    this.vHi = hi;
    this.vLo = lo;
    this.numSamples = n + 1;
    const bytes = w.bytes;
    bytes[0] = (n + 1) >>> 8;
    bytes[1] = (n + 1) & 0xff;
  }

  append(t: number, v: number): void {
    f64[0] = v;
    this.appendBits(t, u32[1]!, u32[0]!);
  }

  private writeValue(hi: number, lo: number): void {
    const w = this.w;
    const xHi = (hi ^ this.vHi) >>> 0;
    const xLo = (lo ^ this.vLo) >>> 0;
    if (xHi === 0 && xLo === 0) {
      w.writeBit(0);
      return;
    }
    w.writeBit(1);
    let leading = xHi !== 0 ? Math.clz32(xHi) : 32 + Math.clz32(xLo);
    const trailing = xLo !== 0 ? 31 - Math.clz32(xLo & -xLo) : 32 + (31 - Math.clz32(xHi & -xHi));
    if (leading >= 32) leading = 31; // 5 bits hold at most 31
    if (this.leading !== 0xff && leading >= this.leading && trailing >= this.trailing) {
      w.writeBit(0);
      writeShifted(w, xHi, xLo, this.trailing, 64 - this.leading - this.trailing);
      return;
    }
    this.leading = leading;
    this.trailing = trailing;
    const sigbits = 64 - leading - trailing;
    w.writeBit(1);
    w.writeBits(leading, 5);
    w.writeBits(sigbits & 0x3f, 6); // 64 significant bits are stored as 0
    writeShifted(w, xHi, xLo, trailing, sigbits);
  }

  /** Encoded bytes, including the 2-byte header (a view; copy it to keep it). */
  bytes(): Uint8Array {
    return this.w.finish();
  }

  iterator(): XORIterator {
    return new XORIterator(this.bytes());
  }
}

/** Writes `count` bits of hi:lo after shifting it right by `shift`. */
function writeShifted(w: BitWriter, hi: number, lo: number, shift: number, count: number): void {
  if (shift >= 32) {
    lo = hi >>> (shift - 32);
    hi = 0;
  } else if (shift > 0) {
    lo = ((lo >>> shift) | (hi << (32 - shift))) >>> 0;
    hi = hi >>> shift;
  }
  w.writeBits64(hi, lo, count);
}

/** Decodes a chunk sample by sample; `t`, `hi`, `lo` hold the current sample. */
export class XORIterator {
  private readonly r: BitReader;
  readonly total: number;
  private read = 0;
  t = 0;
  hi = 0;
  lo = 0;
  private tDelta = 0;
  private leading = 0;
  private trailing = 0;

  constructor(bytes: Uint8Array) {
    if (bytes.length < 2) throw new RangeError('xor chunk: too short');
    this.total = (bytes[0]! << 8) | bytes[1]!;
    this.r = new BitReader(bytes);
    this.r.reset(16);
  }

  get value(): number {
    u32[1] = this.hi;
    u32[0] = this.lo;
    return f64[0]!;
  }

  next(): boolean {
    if (this.read >= this.total) return false;
    const r = this.r;
    if (this.read === 0) {
      this.t = r.readVarint();
      this.hi = r.readBits(32);
      this.lo = r.readBits(32);
    } else if (this.read === 1) {
      this.tDelta = r.readUvarint();
      this.t += this.tDelta;
      this.readValue();
    } else {
      let prefix = 0;
      for (let i = 0; i < 4; i++) {
        prefix <<= 1;
        if (r.readBit() === 0) break;
        prefix |= 1;
      }
      let dod = 0;
      switch (prefix) {
        case 0b0:
          break;
        case 0b10:
          dod = signExtend(r.readBits(14), 14);
          break;
        case 0b110:
          dod = signExtend(r.readBits(17), 17);
          break;
        case 0b1110:
          dod = signExtend(r.readBits(20), 20);
          break;
        default: {
          const hi = r.readBits(32) | 0;
          dod = hi * TWO_32 + r.readBits(32);
        }
      }
      this.tDelta += dod;
      this.t += this.tDelta;
      this.readValue();
    }
    this.read++;
    return true;
  }

  private readValue(): void {
    const r = this.r;
    if (r.readBit() === 0) return;
    if (r.readBit() === 1) {
      this.leading = r.readBits(5);
      let sig = r.readBits(6);
      if (sig === 0) sig = 64;
      this.trailing = 64 - this.leading - sig;
    }
    const sig = 64 - this.leading - this.trailing;
    let hi = 0;
    let lo = 0;
    if (sig > 32) {
      hi = r.readBits(sig - 32);
      lo = r.readBits(32);
    } else {
      lo = r.readBits(sig);
    }
    // Shift hi:lo left by `trailing`.
    const s = this.trailing;
    if (s >= 32) {
      hi = lo << (s - 32);
      lo = 0;
    } else if (s > 0) {
      hi = (hi << s) | (lo >>> (32 - s));
      lo = lo << s;
    }
    this.hi = (this.hi ^ hi) >>> 0;
    this.lo = (this.lo ^ lo) >>> 0;
  }
}

function signExtend(bits: number, n: number): number {
  return bits > 1 << (n - 1) ? bits - (1 << n) : bits;
}
