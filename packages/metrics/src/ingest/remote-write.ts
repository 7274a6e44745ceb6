/**
 * Prometheus remote write 1.0: a snappy-compressed (block format) protobuf `WriteRequest`.
 * The whole request is decoded and validated before anything is appended, and appended as one
 * batch, so a malformed request writes nothing.
 */
import snappy from 'snappyjs';
import { AppendError } from '../head.js';
import { type Label, type Labels, labelsKey, validateLabels } from '../labels.js';
import type { Tsdb } from '../tsdb.js';
import { ProtoError, ProtoReader, ProtoWriter } from './protobuf.js';
import { SnappyDecoder, SnappyError } from './snappy.js';

/** Largest uncompressed request accepted (Prometheus's receiver uses 32 MiB too). */
export const MAX_DECOMPRESSED_BYTES = 32 * 1024 * 1024;

export interface MetricMetadata {
  type: string;
  help: string;
  unit: string;
}

/**
 * A decoded WriteRequest in flat arrays (no object per series or sample). Series `i` has the
 * samples [sampleStart[i], sampleStart[i + 1]) and its label fields in the bytes
 * [labelStart[i], labelEnd[i]) of `buf`: equal bytes mean equal labels, which lets a receiver
 * recognise a series it has seen before without decoding its labels again. Values are raw float
 * bits, so staleness markers survive.
 */
export interface WriteRequest {
  buf: Uint8Array;
  series: number;
  labelStart: Int32Array;
  labelEnd: Int32Array;
  sampleStart: Int32Array;
  t: Float64Array;
  hi: Uint32Array;
  lo: Uint32Array;
  metadata: Map<string, MetricMetadata>;
}

/** Status code and message for a rejected write, following the remote write spec. */
export class WriteError extends Error {
  override name = 'WriteError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const METRIC_TYPES = [
  'unknown',
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'info',
  'stateset',
];
const decoder = new TextDecoder('utf-8', { fatal: true });

function text(r: ProtoReader): string {
  const [s, e] = r.bytes();
  try {
    return decoder.decode(r.buf.subarray(s, e));
  } catch {
    throw new ProtoError('string field is not valid UTF-8');
  }
}

/** The labels of series `i` (label fields only; other fields in its label span are skipped). */
function decodeLabels(req: WriteRequest, i: number): Label[] {
  const r = new ProtoReader(req.buf, req.labelStart[i], req.labelEnd[i]);
  const sub = new ProtoReader(req.buf);
  const out: Label[] = [];
  while (!r.done) {
    const tag = r.tag();
    if (tag !== TAG_LABEL) {
      r.skip(tag & 7);
      continue;
    }
    const [s, e] = r.bytes();
    sub.reset(s, e);
    let name = '';
    let value = '';
    while (!sub.done) {
      const field = sub.tag();
      if (field === TAG_LABEL_NAME) name = text(sub);
      else if (field === TAG_LABEL_VALUE) value = text(sub);
      else sub.skip(field & 7);
    }
    out.push({ name, value });
  }
  return out;
}

/** Labels of series `i`, sorted and validated; throws WriteError(400) with the reason. */
export function seriesLabels(req: WriteRequest, i: number): Labels {
  let raw: Label[];
  try {
    raw = decodeLabels(req, i);
  } catch (error) {
    if (error instanceof ProtoError) throw new WriteError(400, `malformed protobuf label: ${error.message}`);
    throw error;
  }
  return validated(raw);
}

/** Sorts, drops empty values and validates; throws WriteError(400) with the reason. */
function validated(raw: Label[]): Labels {
  let sorted: Labels;
  try {
    sorted = raw
      .filter((l) => l.value !== '')
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  } catch (error) {
    throw new WriteError(400, (error as Error).message);
  }
  const reason = validateLabels(sorted);
  if (reason) throw new WriteError(400, `invalid series ${describe(raw)}: ${reason}`);
  return sorted;
}

function decodeMetadata(r: ProtoReader): [string, MetricMetadata] {
  let type = 0;
  let name = '';
  let help = '';
  let unit = '';
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 0) type = r.varint();
    else if (field === 2 && wire === 2) name = text(r);
    else if (field === 4 && wire === 2) help = text(r);
    else if (field === 5 && wire === 2) unit = text(r);
    else r.skip(wire);
  }
  return [name, { type: METRIC_TYPES[type] ?? 'unknown', help, unit }];
}

// Field tags (field << 3 | wire type) of the messages on the hot path.
const TAG_TIMESERIES = (1 << 3) | 2;
const TAG_METADATA = (3 << 3) | 2;
const TAG_LABEL = (1 << 3) | 2;
const TAG_SAMPLE = (2 << 3) | 2;
const TAG_HISTOGRAM = (4 << 3) | 2;
const TAG_LABEL_NAME = (1 << 3) | 2;
const TAG_LABEL_VALUE = (2 << 3) | 2;
const TAG_SAMPLE_VALUE = (1 << 3) | 1;
const TAG_SAMPLE_TIMESTAMP = (2 << 3) | 0;

/** Growable flat arrays a request is decoded into. */
class Builder {
  series = 0;
  samples = 0;
  labelStart = new Int32Array(64);
  labelEnd = new Int32Array(64);
  sampleStart = new Int32Array(65);
  t: Float64Array;
  hi: Uint32Array;
  lo: Uint32Array;

  constructor(bytes: number) {
    // A sample field takes at least 13 bytes: a guess that rarely needs to grow.
    const capacity = Math.max(16, Math.ceil(bytes / 16));
    this.t = new Float64Array(capacity);
    this.hi = new Uint32Array(capacity);
    this.lo = new Uint32Array(capacity);
  }

  /** Empties it for the next request, keeping the arrays. */
  reset(): this {
    this.series = 0;
    this.samples = 0;
    return this;
  }

  addSeries(labelStart: number, labelEnd: number, firstSample: number): void {
    if (this.series + 1 >= this.sampleStart.length) {
      const n = this.sampleStart.length * 2;
      this.labelStart = grown(this.labelStart, new Int32Array(n));
      this.labelEnd = grown(this.labelEnd, new Int32Array(n));
      this.sampleStart = grown(this.sampleStart, new Int32Array(n + 1));
    }
    this.labelStart[this.series] = labelStart;
    this.labelEnd[this.series] = labelEnd;
    this.sampleStart[this.series] = firstSample;
    this.series++;
  }

  addSample(t: number, hi: number, lo: number): void {
    if (this.samples === this.t.length) {
      const n = this.t.length * 2;
      this.t = grown(this.t, new Float64Array(n));
      this.hi = grown(this.hi, new Uint32Array(n));
      this.lo = grown(this.lo, new Uint32Array(n));
    }
    this.t[this.samples] = t;
    this.hi[this.samples] = hi;
    this.lo[this.samples] = lo;
    this.samples++;
  }
}

function grown<T extends Int32Array | Uint32Array | Float64Array>(from: T, to: T): T {
  to.set(from);
  return to;
}

/** One Sample message: value (fixed64 double, kept as bits) and timestamp (int64 ms). */
function decodeSample(r: ProtoReader, out: Builder): void {
  let hi = 0;
  let lo = 0;
  let t = 0;
  while (!r.done) {
    const tag = r.tag();
    if (tag === TAG_SAMPLE_VALUE) {
      lo = r.fixed32();
      hi = r.fixed32();
    } else if (tag === TAG_SAMPLE_TIMESTAMP) t = r.varint();
    else r.skip(tag & 7);
  }
  if (!Number.isSafeInteger(t)) throw new ProtoError(`invalid timestamp ${t}`);
  out.addSample(t, hi, lo);
}

/** One TimeSeries message: records its label span and decodes its samples. */
function decodeSeries(r: ProtoReader, sub: ProtoReader, out: Builder): void {
  let labelStart = -1;
  let labelEnd = -1;
  const firstSample = out.samples;
  while (!r.done) {
    const fieldStart = r.pos;
    const tag = r.tag();
    if (tag === TAG_LABEL) {
      r.skip(2);
      if (labelStart < 0) labelStart = fieldStart;
      labelEnd = r.pos;
    } else if (tag === TAG_SAMPLE) {
      const [s, e] = r.bytes();
      decodeSample(sub.reset(s, e), out);
    } else if (tag === TAG_HISTOGRAM) throw new WriteError(400, 'native histograms are not supported');
    else r.skip(tag & 7);
  }
  if (labelStart < 0) labelStart = labelEnd = r.pos;
  out.addSeries(labelStart, labelEnd, firstSample);
}

/**
 * Decodes an uncompressed WriteRequest; throws WriteError(400) with the reason. Labels are
 * decoded and validated when first needed (`seriesLabels`), which appendWriteRequest does for
 * every series it has not seen before, before committing.
 */
export function decodeWriteRequest(buf: Uint8Array, out = new Builder(buf.length)): WriteRequest {
  const metadata = new Map<string, MetricMetadata>();
  const sub = new ProtoReader(buf);
  const inner = new ProtoReader(buf);
  try {
    const r = new ProtoReader(buf);
    while (!r.done) {
      const tag = r.tag();
      if (tag === TAG_TIMESERIES || tag === TAG_METADATA) {
        const [s, e] = r.bytes();
        sub.reset(s, e);
        if (tag === TAG_TIMESERIES) decodeSeries(sub, inner, out);
        else {
          const [name, meta] = decodeMetadata(sub);
          if (name) metadata.set(name, meta);
        }
      } else r.skip(tag & 7);
    }
  } catch (error) {
    if (error instanceof ProtoError)
      throw new WriteError(400, `malformed protobuf WriteRequest: ${error.message}`);
    throw error;
  }
  out.sampleStart[out.series] = out.samples;
  return {
    buf,
    series: out.series,
    labelStart: out.labelStart,
    labelEnd: out.labelEnd,
    sampleStart: out.sampleStart,
    t: out.t,
    hi: out.hi,
    lo: out.lo,
    metadata,
  };
}

function describe(labels: Labels): string {
  return `{${labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ')}}`;
}

/** Decompresses a request body (snappy block format); throws WriteError(400) if it is corrupt. */
export function decompress(body: Uint8Array, decoder = new SnappyDecoder()): Uint8Array {
  try {
    return decoder.decode(body, MAX_DECOMPRESSED_BYTES);
  } catch (error) {
    if (error instanceof SnappyError) throw new WriteError(400, `snappy decode error: ${error.message}`);
    throw error;
  }
}

/**
 * A remote-write endpoint's decoding state, reused from request to request (the decompressed
 * bytes and the decoded arrays): requests are decoded and appended synchronously, one at a time.
 */
export class RemoteWriteReceiver {
  private readonly snappy = new SnappyDecoder();
  private readonly builder = new Builder(64 * 1024);

  /** Decompresses, decodes and appends one request; returns the number of samples written. */
  receive(db: Tsdb, body: Uint8Array): number {
    return appendWriteRequest(db, decodeWriteRequest(decompress(body, this.snappy), this.builder.reset()));
  }
}

/** Appends a decoded request as one all-or-nothing batch. Returns the number of samples written. */
export function appendWriteRequest(db: Tsdb, req: WriteRequest): number {
  const app = db.appender();
  const { buf, t, hi, lo, sampleStart } = req;
  try {
    for (let i = 0; i < req.series; i++) {
      const first = sampleStart[i]!;
      const end = sampleStart[i + 1]!;
      if (first === end) continue;
      // Known label bytes skip decoding and validation; refs are never reused, so a hit is safe
      // as long as the series is still in the head.
      const from = req.labelStart[i]!;
      const to = req.labelEnd[i]!;
      let ref = db.seriesCache.get(buf, from, to);
      if (ref === undefined || !db.head.memSeries(ref)) {
        const labels = seriesLabels(req, i);
        ref = app.ref(labels, labelsKey(labels));
        db.seriesCache.set(buf, from, to, ref);
      }
      for (let k = first; k < end; k++) app.appendBits(ref, t[k]!, hi[k]!, lo[k]!);
    }
    const n = app.commit();
    for (const [name, meta] of req.metadata) db.metadata.set(name, meta);
    return n;
  } catch (error) {
    app.rollback();
    if (error instanceof AppendError) throw new WriteError(400, error.message);
    throw error;
  }
}

/** Encodes a WriteRequest (snappy-compressed), as a Prometheus remote-write client sends it. */
export function encodeWriteRequest(
  series: { labels: Labels; samples: { t: number; v: number }[] }[],
  metadata: Map<string, MetricMetadata> = new Map(),
): Uint8Array {
  const w = new ProtoWriter();
  for (const s of series) {
    w.message(1, (ts) => {
      for (const l of s.labels)
        ts.message(1, (lw) => {
          lw.string(1, l.name);
          lw.string(2, l.value);
        });
      for (const sample of s.samples)
        ts.message(2, (sw) => {
          sw.double(1, sample.v);
          sw.tag(2, 0);
          sw.varint(sample.t);
        });
    });
  }
  for (const [name, meta] of metadata)
    w.message(3, (mw) => {
      mw.tag(1, 0);
      mw.varint(Math.max(0, METRIC_TYPES.indexOf(meta.type)));
      mw.string(2, name);
      mw.string(4, meta.help);
      mw.string(5, meta.unit);
    });
  return snappy.compress(w.finish());
}
