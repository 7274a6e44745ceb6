/**
 * The head block: recent data in memory. Series are found by their label-set key; each keeps
 * closed chunks (Gorilla XOR, or decimal when smaller) plus one open XOR chunk that is cut every SAMPLES_PER_CHUNK samples, and a
 * small sorted buffer for out-of-order samples accepted within the configured window.
 * The in-order append path does a Map-free array lookup and writes bits: no allocation per sample.
 */
import { ENCODING_DECIMAL, ENCODING_XOR, type Encoding } from './chunkenc/chunk.js';
import { DecimalIterator, encodeDecimal } from './chunkenc/decimal.js';
import { SAMPLES_PER_CHUNK, XORChunk, XORIterator } from './chunkenc/xor.js';
import { MemPostings, type Postings } from './index/postings.js';
import { type Labels, labelsKey, METRIC_NAME, metricName } from './labels.js';
import type { BlockReader } from './querier.js';
import { SampleBuffer } from './samples.js';

export interface ClosedChunk {
  encoding: Encoding;
  minT: number;
  maxT: number;
  numSamples: number;
  bytes: Uint8Array;
}

export class MemSeries {
  readonly chunks: ClosedChunk[] = [];
  head: XORChunk | undefined;
  maxT = Number.NEGATIVE_INFINITY;
  lastValue = 0;
  ooo: SampleBuffer | undefined;

  constructor(
    readonly ref: number,
    readonly labels: Labels,
    readonly key: string,
  ) {}

  get minT(): number {
    const first = this.chunks[0]?.minT ?? this.head?.minT ?? Number.POSITIVE_INFINITY;
    const ooo = this.ooo && this.ooo.length > 0 ? this.ooo.t[0]! : Number.POSITIVE_INFINITY;
    return Math.min(first, ooo);
  }
}

export type AppendRejection = 'out_of_order' | 'duplicate_timestamp' | 'series_limit' | 'metric_series_limit';

/** A sample or series the head refused, with the reason Prometheus would give. */
export class AppendError extends Error {
  override name = 'AppendError';
  constructor(
    readonly reason: AppendRejection,
    message: string,
  ) {
    super(message);
  }
}

export interface HeadLimits {
  /** Most series a head (a tenant) may hold. */
  maxSeries?: number;
  /** Most series one metric name may have. */
  maxSeriesPerMetric?: number;
}

export interface HeadOptions {
  /** Samples up to this much older than a series' newest sample are still accepted. Default 0. */
  outOfOrderWindowMs?: number;
  limits?: HeadLimits;
}

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

export class Head implements BlockReader {
  private readonly byRef: (MemSeries | undefined)[] = [undefined];
  private readonly byKey = new Map<string, MemSeries>();
  private postingsIndex = new MemPostings();
  private nextRef = 1;
  private seriesCount = 0;
  minT = Number.POSITIVE_INFINITY;
  maxT = Number.NEGATIVE_INFINITY;
  numSamples = 0;
  readonly outOfOrderWindowMs: number;
  limits: HeadLimits;

  constructor(options: HeadOptions = {}) {
    this.outOfOrderWindowMs = options.outOfOrderWindowMs ?? 0;
    this.limits = options.limits ?? {};
  }

  get numSeries(): number {
    return this.seriesCount;
  }

  /** Ref of the series with these (sorted, valid) labels, creating it within the limits. */
  getOrCreate(labels: Labels, key = labelsKey(labels)): { ref: number; created: boolean } {
    const existing = this.byKey.get(key);
    if (existing) return { ref: existing.ref, created: false };
    this.checkLimits(labels);
    const ref = this.nextRef++;
    this.insertSeries(ref, labels, key);
    return { ref, created: true };
  }

  /** Recreates a series under a known ref (WAL replay, block reload). */
  restoreSeries(ref: number, labels: Labels): void {
    const key = labelsKey(labels);
    if (this.byKey.has(key)) return;
    this.insertSeries(ref, labels, key);
    if (ref >= this.nextRef) this.nextRef = ref + 1;
  }

  private insertSeries(ref: number, labels: Labels, key: string): void {
    const series = new MemSeries(ref, labels, key);
    this.byRef[ref] = series;
    this.byKey.set(key, series);
    this.postingsIndex.add(ref, labels);
    this.seriesCount++;
  }

  private checkLimits(labels: Labels): void {
    const { maxSeries, maxSeriesPerMetric } = this.limits;
    if (maxSeries !== undefined && this.seriesCount >= maxSeries)
      throw new AppendError('series_limit', `series limit of ${maxSeries} reached`);
    if (maxSeriesPerMetric !== undefined) {
      const name = metricName(labels);
      if (this.postingsIndex.count(METRIC_NAME, name) >= maxSeriesPerMetric)
        throw new AppendError(
          'metric_series_limit',
          `metric ${JSON.stringify(name)} reached its limit of ${maxSeriesPerMetric} series`,
        );
    }
  }

  lookup(key: string): number | undefined {
    return this.byKey.get(key)?.ref;
  }

  append(ref: number, t: number, v: number): void {
    f64[0] = v;
    this.appendBits(ref, t, u32[1]!, u32[0]!, v);
  }

  /** Appends one sample given its raw float bits (keeps staleness markers exact). */
  appendBits(ref: number, t: number, hi: number, lo: number, v = bitsToFloat(hi, lo)): void {
    const s = this.byRef[ref];
    if (!s) throw new AppendError('out_of_order', `unknown series ref ${ref}`);
    if (t > s.maxT) {
      let chunk = s.head;
      if (!chunk || chunk.numSamples >= SAMPLES_PER_CHUNK) {
        if (chunk) s.chunks.push(closeChunk(chunk));
        chunk = new XORChunk();
        s.head = chunk;
      }
      chunk.appendBits(t, hi, lo);
      s.maxT = t;
      s.lastValue = v;
    } else if (t === s.maxT) {
      // Same timestamp as the newest sample: a retry is fine, a different value is an error.
      if (Object.is(v, s.lastValue) || (Number.isNaN(v) && Number.isNaN(s.lastValue))) return;
      throw new AppendError('duplicate_timestamp', `duplicate sample for timestamp ${t}`);
    } else {
      if (s.maxT - t > this.outOfOrderWindowMs)
        throw new AppendError(
          'out_of_order',
          `out of order sample: timestamp ${t} is older than the series' newest ${s.maxT}`,
        );
      s.ooo ??= new SampleBuffer(8);
      if (!s.ooo.insert(t, v)) return;
    }
    if (t < this.minT) this.minT = t;
    if (t > this.maxT) this.maxT = t;
    this.numSamples++;
  }

  /** Samples of a series in [mint, maxt], in time order, appended to a new buffer. */
  samples(ref: number, mint: number, maxt: number): SampleBuffer {
    const s = this.byRef[ref];
    if (!s) return new SampleBuffer();
    const chunks = s.chunks;
    // Closed chunks are in time order and do not overlap: skip to the first one reaching mint.
    const first = firstChunkEndingAtOrAfter(chunks, mint);
    let last = first;
    let capacity = 16;
    for (; last < chunks.length && chunks[last]!.minT <= maxt; last++)
      capacity += overlapSamples(chunks[last]!, mint, maxt);
    const head =
      s.head && s.head.numSamples > 0 && s.head.maxT >= mint && s.head.minT <= maxt ? s.head : undefined;
    if (head) capacity += overlapSamples(head, mint, maxt);
    const out = SampleBuffer.forRead(capacity);
    for (let i = first; i < last; i++) decodeInto(chunks[i]!.encoding, chunks[i]!.bytes, mint, maxt, out);
    head?.iterator(mint).readInto(mint, maxt, out);
    if (!s.ooo || s.ooo.length === 0) return out;
    const ooo = new SampleBuffer();
    for (let i = 0; i < s.ooo.length; i++) {
      const t = s.ooo.t[i]!;
      if (t >= mint && t <= maxt) ooo.pushFrom(s.ooo, i);
    }
    return SampleBuffer.merge(out, ooo);
  }

  memSeries(ref: number): MemSeries | undefined {
    return this.byRef[ref];
  }

  *allSeries(): IterableIterator<MemSeries> {
    for (const s of this.byRef) if (s) yield s;
  }

  /** Drops data older than `mint` (it now lives in a block) and series left empty. */
  truncate(mint: number): void {
    const postings = new MemPostings();
    let count = 0;
    this.minT = Number.POSITIVE_INFINITY;
    for (let ref = 1; ref < this.byRef.length; ref++) {
      const s = this.byRef[ref];
      if (!s) continue;
      while (s.chunks.length > 0 && s.chunks[0]!.maxT < mint) s.chunks.shift();
      if (s.head && s.head.maxT < mint) s.head = undefined;
      if (s.ooo) {
        const kept = new SampleBuffer();
        for (let i = 0; i < s.ooo.length; i++) if (s.ooo.t[i]! >= mint) kept.pushFrom(s.ooo, i);
        s.ooo = kept.length > 0 ? kept : undefined;
      }
      if (s.chunks.length === 0 && !s.head && !s.ooo) {
        this.byRef[ref] = undefined;
        this.byKey.delete(s.key);
        continue;
      }
      postings.add(ref, s.labels);
      count++;
      this.minT = Math.min(this.minT, s.minT);
    }
    this.postingsIndex = postings;
    this.seriesCount = count;
  }

  // IndexReader
  postings(name: string, value: string): Postings {
    return this.postingsIndex.get(name, value);
  }
  allPostings(): Postings {
    return this.postingsIndex.allPostings();
  }
  labelNames(): string[] {
    return this.postingsIndex.labelNames();
  }
  labelValues(name: string): string[] {
    return this.postingsIndex.labelValues(name);
  }
  series(ref: number): Labels | undefined {
    return this.byRef[ref]?.labels;
  }
}

/** Index of the first chunk with maxT ≥ t (chunks.length if none). */
function firstChunkEndingAtOrAfter(chunks: readonly ClosedChunk[], t: number): number {
  let lo = 0;
  let hi = chunks.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (chunks[mid]!.maxT < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * About how many of a chunk's samples fall in [mint, maxt], assuming even spacing (a read buffer's
 * capacity: a 5m window of a 30m chunk needs a sixth of it; a wrong guess only makes it grow).
 */
function overlapSamples(
  c: { minT: number; maxT: number; numSamples: number },
  mint: number,
  maxt: number,
): number {
  if (c.minT >= mint && c.maxT <= maxt) return c.numSamples;
  const span = c.maxT - c.minT;
  if (span <= 0) return c.numSamples;
  const overlap = Math.min(c.maxT, maxt) - Math.max(c.minT, mint);
  return Math.min(c.numSamples, Math.ceil((c.numSamples * Math.max(0, overlap)) / span) + 2);
}

const scratch = new SampleBuffer(SAMPLES_PER_CHUNK);

/** A full head chunk is kept in whichever encoding is smaller (see chunkenc/chunk.ts). */
function closeChunk(chunk: XORChunk): ClosedChunk {
  const xor = chunk.bytes();
  scratch.length = 0;
  scratch.hasStale = false;
  decodeInto(ENCODING_XOR, xor, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY, scratch);
  const meta = { minT: chunk.minT, maxT: chunk.maxT, numSamples: chunk.numSamples };
  const decimal = scratch.hasStale ? undefined : encodeDecimal(scratch.t, scratch.v, 0, scratch.length);
  if (decimal && decimal.length < xor.length) return { encoding: ENCODING_DECIMAL, bytes: decimal, ...meta };
  return { encoding: ENCODING_XOR, bytes: xor.slice(), ...meta };
}

export function decodeInto(
  encoding: Encoding,
  bytes: Uint8Array,
  mint: number,
  maxt: number,
  out: SampleBuffer,
): void {
  if (encoding === ENCODING_DECIMAL) {
    // Decimal chunks hold no staleness markers: values go in as floats, not as bit pairs.
    const it = new DecimalIterator(bytes);
    out.reserve(it.total);
    while (it.next()) {
      if (it.t < mint) continue;
      if (it.t > maxt) break;
      out.push(it.t, it.value);
    }
    return;
  }
  new XORIterator(bytes).readInto(mint, maxt, out);
}

function bitsToFloat(hi: number, lo: number): number {
  u32[1] = hi;
  u32[0] = lo;
  return f64[0]!;
}
