/**
 * Decimal chunk encoding, for the many series whose values are decimals with few digits
 * (CPU seconds with 2 decimals, byte counters, load averages): values are scaled to integers
 * by 10^e and stored as delta-of-delta in variable-width buckets, like the timestamps. A
 * counter rising by similar amounts costs a few bits per sample instead of XOR's 20-40.
 * Used for closed chunks only when every value round-trips exactly and it is smaller than XOR.
 */
import { BitReader, BitWriter } from './bitstream.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

const MAX_EXPONENT = 9;
const MAX_MANTISSA = 2 ** 50;

/** The smallest e with every value exactly m / 10^e for an integer m; undefined if none. */
function exponentFor(values: ArrayLike<number>, start: number, end: number): number | undefined {
  outer: for (let e = 0; e <= MAX_EXPONENT; e++) {
    const scale = 10 ** e;
    for (let i = start; i < end; i++) {
      const v = values[i]!;
      const m = Math.round(v * scale);
      if (!(Math.abs(m) <= MAX_MANTISSA) || !Object.is((m === 0 ? 0 : m) / scale, v)) continue outer;
    }
    return e;
  }
  return undefined;
}

function fits(dod: number, bits: number): boolean {
  const half = 2 ** (bits - 1);
  return -half <= dod && dod < half;
}

function writeDod(w: BitWriter, dod: number, small: readonly [number, number, number]): void {
  if (dod === 0) {
    w.writeBit(0);
    return;
  }
  const [a, b, c] = small;
  if (fits(dod, a)) {
    w.writeBits(0b10, 2);
    w.writeBits(dod & (2 ** a - 1), a);
  } else if (fits(dod, b)) {
    w.writeBits(0b110, 3);
    w.writeBits(dod & (2 ** b - 1), b);
  } else if (fits(dod, c)) {
    w.writeBits(0b1110, 4);
    w.writeBits(dod & (2 ** c - 1), c);
  } else {
    w.writeBits(0b1111, 4);
    w.writeVarint(dod);
  }
}

function readDod(r: BitReader, small: readonly [number, number, number]): number {
  if (r.readBit() === 0) return 0;
  // Prefix 10, 110, 1110 or 1111: count the leading ones (at most four).
  let ones = 1;
  while (ones < 4 && r.readBit() === 1) ones++;
  if (ones === 4) return r.readVarint();
  const bits = small[ones - 1]!;
  const v = r.readBits(bits);
  // bits ≤ 24, so int32 shifts are exact.
  return v >= 1 << (bits - 1) ? v - (1 << bits) : v;
}

const T_BUCKETS = [14, 17, 20] as const;
const V_BUCKETS = [6, 13, 24] as const;

/** Encodes samples [start, end); undefined when the values are not all short decimals. */
export function encodeDecimal(
  t: ArrayLike<number>,
  v: ArrayLike<number>,
  start: number,
  end: number,
): Uint8Array | undefined {
  const e = exponentFor(v, start, end);
  if (e === undefined) return undefined;
  const scale = 10 ** e;
  const w = new BitWriter(256);
  w.writeBits(end - start, 16);
  w.writeBits(e, 8);
  let prevT = 0;
  let prevM = 0;
  let tDelta = 0;
  let mDelta = 0;
  for (let i = start; i < end; i++) {
    const ti = t[i]!;
    const m = Math.round(v[i]! * scale);
    if (i === start) {
      w.writeVarint(ti);
      w.writeVarint(m);
    } else if (i === start + 1) {
      tDelta = ti - prevT;
      mDelta = m - prevM;
      w.writeVarint(tDelta);
      w.writeVarint(mDelta);
    } else {
      const td = ti - prevT;
      const md = m - prevM;
      writeDod(w, td - tDelta, T_BUCKETS);
      writeDod(w, md - mDelta, V_BUCKETS);
      tDelta = td;
      mDelta = md;
    }
    prevT = ti;
    prevM = m;
  }
  return w.finish().slice();
}

/** Iterates a decimal chunk with the same fields as XORIterator (`t`, `hi`, `lo`). */
export class DecimalIterator {
  private readonly r: BitReader;
  readonly total: number;
  private readonly scale: number;
  private read = 0;
  private m = 0;
  private tDelta = 0;
  private mDelta = 0;
  t = 0;
  /** The current value (decimal chunks hold no staleness markers, so a float is exact). */
  value = 0;

  constructor(bytes: Uint8Array) {
    this.r = new BitReader(bytes);
    this.total = this.r.readBits(16);
    this.scale = 10 ** this.r.readBits(8);
  }

  next(): boolean {
    if (this.read >= this.total) return false;
    const r = this.r;
    if (this.read === 0) {
      this.t = r.readVarint();
      this.m = r.readVarint();
    } else if (this.read === 1) {
      this.tDelta = r.readVarint();
      this.mDelta = r.readVarint();
      this.t += this.tDelta;
      this.m += this.mDelta;
    } else {
      this.tDelta += readDod(r, T_BUCKETS);
      this.mDelta += readDod(r, V_BUCKETS);
      this.t += this.tDelta;
      this.m += this.mDelta;
    }
    this.value = (this.m === 0 ? 0 : this.m) / this.scale;
    this.read++;
    return true;
  }

  get hi(): number {
    f64[0] = this.value;
    return u32[1]!;
  }

  get lo(): number {
    f64[0] = this.value;
    return u32[0]!;
  }
}
