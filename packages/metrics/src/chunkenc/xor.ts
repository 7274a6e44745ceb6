/**
 * Gorilla chunk encoding (Pelkonen et al., VLDB 2015) in Prometheus's XOR chunk layout:
 * a 2-byte sample count, then the first timestamp as a varint and the first value raw, the
 * second timestamp as a delta, and from then on delta-of-delta timestamps in 1/16/20/24/68-bit
 * buckets and values XORed with their predecessor, storing only the meaningful bits.
 */
import { BitReader, BitWriter } from './bitstream.js';

/** Prometheus cuts a head chunk after this many samples. */
export const SAMPLES_PER_CHUNK = 120;

/**
 * Every this many samples an open chunk records the state a reader has after that sample
 * (a checkpoint), so a read of the chunk's tail, such as a `rate(…[5m])` near now, starts at the
 * checkpoint before its window instead of decoding the chunk from its first sample.
 */
export const CHECKPOINT_INTERVAL = 24;
/**
 * Numbers per checkpoint: t, tDelta, hi * 2^20 + bit position, lo * 2^12 + leading * 128 +
 * trailing (both below 2^53, so exact; a checkpoint's bit position is far below 2^20).
 */
const CHECKPOINT_FIELDS = 4;
const POS_SCALE = 2 ** 20;
const WINDOW_SCALE = 2 ** 12;
const CHECKPOINTS = Math.floor((SAMPLES_PER_CHUNK - 1) / CHECKPOINT_INTERVAL);

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
  /** CHECKPOINT_FIELDS numbers per checkpoint; made at the first checkpoint (short chunks need none). */
  private checkpoints: number[] | undefined;

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
    if ((n + 1) % CHECKPOINT_INTERVAL === 0) this.checkpoint((n + 1) / CHECKPOINT_INTERVAL - 1);
  }

  private checkpoint(k: number): void {
    if (k >= CHECKPOINTS) return; // a chunk longer than a head chunk (e.g. a block's): no more
    this.checkpoints ??= new Array<number>(CHECKPOINTS * CHECKPOINT_FIELDS).fill(0);
    const c = this.checkpoints;
    const at = k * CHECKPOINT_FIELDS;
    c[at] = this.maxT;
    c[at + 1] = this.tDelta;
    c[at + 2] = this.vHi * POS_SCALE + this.w.bitLength;
    // Until a value differs from the first one no window is set: the reader starts from 0/0 too.
    c[at + 3] = this.vLo * WINDOW_SCALE + (this.leading === 0xff ? 0 : this.leading * 128 + this.trailing);
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

  /**
   * An iterator over the samples. With `mint`, it starts after the last checkpoint older than
   * `mint`: the samples it skips are all older than `mint`.
   */
  iterator(mint = Number.NEGATIVE_INFINITY): XORIterator {
    // The writer's whole buffer (zeros after the last bit): no view to make, and peek32 reads
    // whole words up to the last sample.
    const it = new XORIterator(this.w.bytes, this.w.bitLength);
    const c = this.checkpoints;
    if (!c || !(c[0]! < mint)) return it;
    let k = 0;
    const made = Math.min(CHECKPOINTS, Math.floor(this.numSamples / CHECKPOINT_INTERVAL));
    while (k + 1 < made && c[(k + 1) * CHECKPOINT_FIELDS]! < mint) k++;
    const at = k * CHECKPOINT_FIELDS;
    const hiPos = c[at + 2]!;
    const loWindow = c[at + 3]!;
    const hi = Math.floor(hiPos / POS_SCALE);
    const lo = Math.floor(loWindow / WINDOW_SCALE);
    it.resume(
      (k + 1) * CHECKPOINT_INTERVAL,
      hiPos - hi * POS_SCALE,
      c[at]!,
      c[at + 1]!,
      hi,
      lo,
      loWindow - lo * WINDOW_SCALE,
    );
    return it;
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

/** Where `readInto` appends samples (a SampleBuffer). */
export interface SampleSink {
  pushBits(t: number, hi: number, lo: number): void;
}

const NO_SINK: SampleSink = { pushBits: () => {} };

/**
 * Decodes a chunk sample by sample; `t`, `hi`, `lo` hold the current sample. After the first two
 * samples every field is read from a 32-bit window at the bit position (peek32), so a sample
 * costs two or three array reads instead of a bounds-checked read per bit.
 */
export class XORIterator {
  private readonly bytes: Uint8Array;
  private readonly bitLimit: number;
  readonly total: number;
  private read = 0;
  private pos = 16;
  t = 0;
  hi = 0;
  lo = 0;
  private tDelta = 0;
  private leading = 0;
  private trailing = 0;

  /** `bitLimit`: where the chunk's bits end, if `bytes` is longer (an open chunk's buffer). */
  constructor(bytes: Uint8Array, bitLimit = bytes.length * 8) {
    if (bytes.length < 2) throw new RangeError('xor chunk: too short');
    this.total = (bytes[0]! << 8) | bytes[1]!;
    this.bytes = bytes;
    this.bitLimit = bitLimit;
  }

  /** Continues after sample `read - 1`, whose state a writer's checkpoint recorded. */
  resume(
    read: number,
    bitPosition: number,
    t: number,
    tDelta: number,
    hi: number,
    lo: number,
    window: number,
  ): void {
    this.read = read;
    this.pos = bitPosition;
    this.t = t;
    this.tDelta = tDelta;
    this.hi = hi;
    this.lo = lo;
    this.leading = window >>> 7;
    this.trailing = window & 127;
  }

  get value(): number {
    u32[1] = this.hi;
    u32[0] = this.lo;
    return f64[0]!;
  }

  /**
   * Appends the samples in [mint, maxt] from here on to `out`, as raw bits: the loop of `next()`
   * with the state in local variables (a field write per sample and field costs about as much as
   * decoding it). Leaves the iterator past the last sample it read. From the third sample on, at
   * most `count` samples are decoded (`next()` decodes one this way).
   */
  readInto(mint: number, maxt: number, out: SampleSink, count = Number.POSITIVE_INFINITY): void {
    while (this.read < 2) {
      if (!this.next()) return;
      if (this.t > maxt) return;
      if (this.t >= mint) out.pushBits(this.t, this.hi, this.lo);
    }
    const bytes = this.bytes;
    const total = Math.min(this.total, this.read + count);
    const limit = this.bitLimit;
    let { read, pos, t, tDelta, hi, lo, leading, trailing } = this;
    while (read < total) {
      let p = peek32(bytes, pos);
      let dod = 0;
      if (p >>> 31 === 0) pos += 1;
      else if (p >>> 30 === 0b10) {
        dod = signExtend((p >>> 16) & 0x3fff, 14);
        pos += 16;
      } else if (p >>> 29 === 0b110) {
        dod = signExtend((p >>> 12) & 0x1ffff, 17);
        pos += 20;
      } else if (p >>> 28 === 0b1110) {
        dod = signExtend((p >>> 8) & 0xfffff, 20);
        pos += 24;
      } else {
        dod = (peek32(bytes, pos + 4) | 0) * TWO_32 + peek32(bytes, pos + 36);
        pos += 68;
      }
      tDelta += dod;
      t += tDelta;
      p = peek32(bytes, pos);
      if (p >>> 31 === 0) pos += 1;
      else {
        if (p >>> 30 === 0b11) {
          leading = (p >>> 25) & 31;
          const sig = (p >>> 19) & 63;
          trailing = 64 - leading - (sig === 0 ? 64 : sig);
          pos += 13;
        } else pos += 2;
        const sig = 64 - leading - trailing;
        let xHi = 0;
        let xLo = 0;
        if (sig > 32) {
          xHi = peek32(bytes, pos) >>> (64 - sig);
          xLo = peek32(bytes, pos + sig - 32);
        } else xLo = peek32(bytes, pos) >>> (32 - sig);
        pos += sig;
        if (trailing >= 32) {
          xHi = xLo << (trailing - 32);
          xLo = 0;
        } else if (trailing > 0) {
          xHi = (xHi << trailing) | (xLo >>> (32 - trailing));
          xLo = xLo << trailing;
        }
        hi = (hi ^ xHi) >>> 0;
        lo = (lo ^ xLo) >>> 0;
      }
      if (pos > limit) throw new RangeError('xor chunk: read past end');
      read++;
      if (t > maxt) break;
      if (t >= mint) out.pushBits(t, hi, lo);
    }
    this.read = read;
    this.pos = pos;
    this.t = t;
    this.tDelta = tDelta;
    this.hi = hi;
    this.lo = lo;
    this.leading = leading;
    this.trailing = trailing;
  }

  next(): boolean {
    if (this.read >= this.total) return false;
    if (this.read < 2) {
      const r = new BitReader(this.bytes, this.bitLimit);
      r.reset(this.pos);
      if (this.read === 0) {
        this.t = r.readVarint();
        this.hi = r.readBits(32);
        this.lo = r.readBits(32);
        this.pos = r.position;
      } else {
        this.tDelta = r.readUvarint();
        this.t += this.tDelta;
        this.pos = r.position;
        this.readValue();
      }
    } else {
      // From the third sample on, the one decoder loop, for one sample.
      this.readInto(Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, NO_SINK, 1);
      return true;
    }
    if (this.pos > this.bitLimit) throw new RangeError('xor chunk: read past end');
    this.read++;
    return true;
  }

  private readValue(): void {
    const bytes = this.bytes;
    let pos = this.pos;
    const p = peek32(bytes, pos);
    if (p >>> 31 === 0) {
      this.pos = pos + 1;
      return;
    }
    if (p >>> 30 === 0b11) {
      // New window: 5 bits of leading zeros, 6 bits of significant bits (0 means 64).
      this.leading = (p >>> 25) & 31;
      let sig = (p >>> 19) & 63;
      if (sig === 0) sig = 64;
      this.trailing = 64 - this.leading - sig;
      pos += 13;
    } else pos += 2;
    const sig = 64 - this.leading - this.trailing;
    let hi = 0;
    let lo = 0;
    if (sig > 32) {
      // sig - 32 is 1..32; a shift by 32 is a shift by 0 in JavaScript, which is what 32 needs.
      hi = peek32(bytes, pos) >>> (64 - sig);
      lo = peek32(bytes, pos + sig - 32);
    } else {
      lo = peek32(bytes, pos) >>> (32 - sig);
    }
    this.pos = pos + sig;
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

/**
 * The 32 bits starting at bit `pos`, most significant first; bits past the end read as 0
 * (the caller checks the position against the end once per sample).
 */
function peek32(bytes: Uint8Array, pos: number): number {
  const i = pos >>> 3;
  const n = bytes.length;
  let w: number;
  if (i + 4 < n) {
    w = ((bytes[i]! << 24) | (bytes[i + 1]! << 16) | (bytes[i + 2]! << 8) | bytes[i + 3]!) >>> 0;
    const o = pos & 7;
    return o === 0 ? w : ((w << o) | (bytes[i + 4]! >>> (8 - o))) >>> 0;
  }
  w = 0;
  for (let k = 0; k < 5; k++) w = w * 256 + (i + k < n ? bytes[i + k]! : 0);
  // w holds 40 bits (up to 2^40): take the 32 starting at offset pos & 7.
  return (Math.floor(w / 2 ** (8 - (pos & 7))) % TWO_32) >>> 0;
}

function signExtend(bits: number, n: number): number {
  return bits > 1 << (n - 1) ? bits - (1 << n) : bits;
}
