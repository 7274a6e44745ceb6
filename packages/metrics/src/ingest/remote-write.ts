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

/** Largest uncompressed request accepted (Prometheus's receiver uses 32 MiB too). */
export const MAX_DECOMPRESSED_BYTES = 32 * 1024 * 1024;

export interface MetricMetadata {
  type: string;
  help: string;
  unit: string;
}

/**
 * One decoded series: parallel sample arrays (values as raw float bits) and its labels, decoded
 * and validated on first use. `key` is the raw bytes of its label fields, which lets a receiver
 * recognise a series it has seen before without decoding its labels again.
 */
export interface WriteSeries {
  key: string;
  labels(): Labels;
  t: number[];
  hi: number[];
  lo: number[];
}

export interface WriteRequest {
  series: WriteSeries[];
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

function decodeLabel(r: ProtoReader): Label {
  let name = '';
  let value = '';
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 2) name = text(r);
    else if (field === 2 && wire === 2) value = text(r);
    else r.skip(wire);
  }
  return { name, value };
}

function decodeSample(r: ProtoReader, out: { t: number[]; hi: number[]; lo: number[] }): void {
  let hi = 0;
  let lo = 0;
  let t = 0;
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (field === 1 && wire === 1) {
      lo = r.fixed32();
      hi = r.fixed32();
    } else if (field === 2 && wire === 0) t = r.varint();
    else r.skip(wire);
  }
  out.t.push(t);
  out.hi.push(hi);
  out.lo.push(lo);
}

function decodeSeries(r: ProtoReader, whole: Buffer, scratch: ProtoReader): WriteSeries {
  const ranges: number[] = [];
  const out = { t: [] as number[], hi: [] as number[], lo: [] as number[] };
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    const wire = tag & 7;
    if (wire === 2 && (field === 1 || field === 2 || field === 4)) {
      const [s, e] = r.bytes();
      if (field === 1) ranges.push(s, e);
      else if (field === 2) decodeSample(scratch.reset(s, e), out);
      else throw new WriteError(400, 'native histograms are not supported');
    } else r.skip(wire);
  }
  // The key covers every label field's bytes (and the tags between them): equal keys, equal labels.
  const key = ranges.length > 0 ? whole.toString('latin1', ranges[0]!, ranges[ranges.length - 1]!) : '';
  const buf = r.buf;
  let labels: Labels | undefined;
  return {
    key,
    labels: () => {
      if (!labels) {
        const raw: Label[] = [];
        try {
          for (let i = 0; i < ranges.length; i += 2)
            raw.push(decodeLabel(new ProtoReader(buf, ranges[i]!, ranges[i + 1]!)));
        } catch (error) {
          if (error instanceof ProtoError)
            throw new WriteError(400, `malformed protobuf label: ${error.message}`);
          throw error;
        }
        labels = validated(raw);
      }
      return labels;
    },
    ...out,
  };
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

/**
 * Decodes an uncompressed WriteRequest; throws WriteError(400) with the reason. Labels are
 * validated when first read (`series.labels()`), which appendWriteRequest does before committing.
 */
export function decodeWriteRequest(buf: Uint8Array): WriteRequest {
  const series: WriteSeries[] = [];
  const metadata = new Map<string, MetricMetadata>();
  const whole = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
  const scratch = new ProtoReader(buf);
  const sub = new ProtoReader(buf);
  try {
    const r = new ProtoReader(buf);
    while (!r.done) {
      const tag = r.tag();
      const field = tag >>> 3;
      const wire = tag & 7;
      if (wire === 2 && (field === 1 || field === 3)) {
        const [s, e] = r.bytes();
        sub.reset(s, e);
        if (field === 1) series.push(decodeSeries(sub, whole, scratch));
        else {
          const [name, meta] = decodeMetadata(sub);
          if (name) metadata.set(name, meta);
        }
      } else r.skip(wire);
    }
  } catch (error) {
    if (error instanceof ProtoError)
      throw new WriteError(400, `malformed protobuf WriteRequest: ${error.message}`);
    throw error;
  }
  for (const s of series)
    for (const t of s.t)
      if (!Number.isSafeInteger(t))
        throw new WriteError(400, `invalid timestamp ${t} for series ${describe(s.labels())}`);
  return { series, metadata };
}

function describe(labels: Labels): string {
  return `{${labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ')}}`;
}

export function decompress(body: Uint8Array): Uint8Array {
  try {
    return snappy.uncompress(body, MAX_DECOMPRESSED_BYTES);
  } catch (error) {
    throw new WriteError(400, `snappy decode error: ${(error as Error).message}`);
  }
}

/** Appends a decoded request as one all-or-nothing batch. Returns the number of samples written. */
export function appendWriteRequest(db: Tsdb, req: WriteRequest): number {
  const app = db.appender();
  try {
    for (const s of req.series) {
      if (s.t.length === 0) continue;
      // Known raw label bytes skip decoding and validation; refs are never reused, so a hit is safe
      // as long as the series is still in the head.
      let ref = db.seriesCache.get(s.key);
      if (ref === undefined || !db.head.memSeries(ref)) {
        const labels = s.labels();
        ref = app.ref(labels, labelsKey(labels));
        db.seriesCache.set(s.key, ref);
      }
      for (let i = 0; i < s.t.length; i++) app.appendBits(ref, s.t[i]!, s.hi[i]!, s.lo[i]!);
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
