/**
 * A growable pair of typed arrays holding one series' samples in time order. Values are copied
 * as raw bits so the staleness NaN survives (a JS array would canonicalise it).
 */
import { STALE_NAN_HI, STALE_NAN_LO } from './chunkenc/xor.js';

/** Slab the read path carves short-lived buffers from (see SampleBuffer.forRead). */
const SLAB_SAMPLES = 64 * 1024;
let slab = new Float64Array(0);
let slabUsed = 0;

export class SampleBuffer {
  t: Float64Array;
  v: Float64Array;
  private words: Uint32Array;
  length = 0;
  /** Whether any sample is a staleness marker (lets readers skip per-sample checks). */
  hasStale = false;

  constructor(capacity = 16, t?: Float64Array, v?: Float64Array) {
    this.t = t ?? new Float64Array(capacity);
    this.v = v ?? new Float64Array(capacity);
    this.words = new Uint32Array(this.v.buffer, this.v.byteOffset, this.v.length * 2);
  }

  /**
   * A buffer for query results, which live as long as one query: small ones share a slab
   * instead of each allocating its own backing stores (a measurable cost per series per query).
   * A slab is freed once every buffer carved from it is garbage.
   */
  static forRead(capacity: number): SampleBuffer {
    if (capacity * 2 > SLAB_SAMPLES / 4) return new SampleBuffer(capacity);
    if (slabUsed + capacity * 2 > slab.length) {
      slab = new Float64Array(SLAB_SAMPLES);
      slabUsed = 0;
    }
    const t = slab.subarray(slabUsed, slabUsed + capacity);
    const v = slab.subarray(slabUsed + capacity, slabUsed + capacity * 2);
    slabUsed += capacity * 2;
    return new SampleBuffer(capacity, t, v);
  }

  /** Makes room for `n` more samples. */
  reserve(n: number): void {
    while (this.length + n > this.t.length) this.grow();
  }

  private grow(): void {
    const t = new Float64Array(Math.max(16, this.t.length * 2));
    const v = new Float64Array(t.length);
    t.set(this.t);
    v.set(this.v);
    this.t = t;
    this.v = v;
    this.words = new Uint32Array(v.buffer);
  }

  pushBits(t: number, hi: number, lo: number): void {
    if (this.length === this.t.length) this.grow();
    if (hi === STALE_NAN_HI && lo === STALE_NAN_LO) this.hasStale = true;
    this.t[this.length] = t;
    this.words[this.length * 2] = lo;
    this.words[this.length * 2 + 1] = hi;
    this.length++;
  }

  /** Copies sample `i` of `from` (bits preserved). */
  pushFrom(from: SampleBuffer, i: number): void {
    this.pushBits(from.t[i]!, from.words[i * 2 + 1]!, from.words[i * 2]!);
  }

  push(t: number, v: number): void {
    if (this.length === this.t.length) this.grow();
    this.t[this.length] = t;
    this.v[this.length] = v;
    this.length++;
  }

  isStale(i: number): boolean {
    return this.words[i * 2 + 1] === STALE_NAN_HI && this.words[i * 2] === STALE_NAN_LO;
  }

  hiAt(i: number): number {
    return this.words[i * 2 + 1]!;
  }

  loAt(i: number): number {
    return this.words[i * 2]!;
  }

  /** Inserts keeping time order; a sample at an existing timestamp replaces nothing and returns false. */
  insert(t: number, v: number): boolean {
    let lo = 0;
    let hi = this.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.t[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    if (lo < this.length && this.t[lo] === t) return false;
    if (this.length === this.t.length) this.grow();
    this.t.copyWithin(lo + 1, lo, this.length);
    this.v.copyWithin(lo + 1, lo, this.length);
    this.t[lo] = t;
    this.v[lo] = v;
    this.length++;
    return true;
  }

  /** Merges two time-ordered buffers; on equal timestamps the sample from `a` wins. */
  static merge(a: SampleBuffer, b: SampleBuffer): SampleBuffer {
    if (b.length === 0) return a;
    if (a.length === 0) return b;
    const out = new SampleBuffer(a.length + b.length);
    let i = 0;
    let j = 0;
    while (i < a.length || j < b.length) {
      if (j >= b.length || (i < a.length && a.t[i]! < b.t[j]!)) out.pushFrom(a, i++);
      else if (i >= a.length || b.t[j]! < a.t[i]!) out.pushFrom(b, j++);
      else {
        out.pushFrom(a, i++);
        j++;
      }
    }
    return out;
  }
}
