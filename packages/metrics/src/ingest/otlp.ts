/**
 * OTLP/HTTP metrics in JSON (`POST /v1/metrics`): gauges, sums and explicit-bucket histograms,
 * translated the way Prometheus's OTLP receiver does: sanitized names, `_total` for monotonic
 * cumulative sums, `_bucket{le}`/`_count`/`_sum` for histograms, `job`/`instance` from the resource.
 */
import { AppendError } from '../head.js';
import { type Label, type Labels, labelsKey, validateLabels } from '../labels.js';
import type { Tsdb } from '../tsdb.js';

export class OtlpError extends Error {
  override name = 'OtlpError';
}

interface AnyValue {
  stringValue?: string;
  intValue?: string | number;
  doubleValue?: number;
  boolValue?: boolean;
}

interface KeyValue {
  key: string;
  value?: AnyValue;
}

interface NumberDataPoint {
  attributes?: KeyValue[];
  timeUnixNano?: string | number;
  asDouble?: number;
  asInt?: string | number;
}

interface HistogramDataPoint {
  attributes?: KeyValue[];
  timeUnixNano?: string | number;
  count?: string | number;
  sum?: number;
  bucketCounts?: (string | number)[];
  explicitBounds?: number[];
}

interface Metric {
  name?: string;
  unit?: string;
  description?: string;
  gauge?: { dataPoints?: NumberDataPoint[] };
  sum?: { dataPoints?: NumberDataPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
  histogram?: { dataPoints?: HistogramDataPoint[]; aggregationTemporality?: number };
}

interface ExportRequest {
  resourceMetrics?: { resource?: { attributes?: KeyValue[] }; scopeMetrics?: { metrics?: Metric[] }[] }[];
}

const CUMULATIVE = 2;

function sanitize(name: string, metric: boolean): string {
  let out = name.replace(metric ? /[^a-zA-Z0-9_:]/g : /[^a-zA-Z0-9_]/g, '_');
  if (/^[0-9]/.test(out)) out = `key_${out}`;
  return out;
}

function attrValue(v: AnyValue | undefined): string {
  if (!v) return '';
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.intValue !== undefined) return String(v.intValue);
  if (v.doubleValue !== undefined) return String(v.doubleValue);
  if (v.boolValue !== undefined) return String(v.boolValue);
  return '';
}

function toLabels(attrs: KeyValue[] | undefined, base: Label[]): Label[] {
  const byName = new Map(base.map((l) => [l.name, l.value]));
  for (const kv of attrs ?? []) {
    const value = attrValue(kv.value);
    if (value !== '') byName.set(sanitize(kv.key, false), value);
  }
  return [...byName].map(([name, value]) => ({ name, value }));
}

function finish(name: string, labels: Label[], extra?: Label): Labels {
  const all = labels.filter((l) => l.name !== '__name__');
  all.push({ name: '__name__', value: name });
  if (extra) all.push(extra);
  return all.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function nanosToMs(t: string | number | undefined, fallback: number): number {
  if (t === undefined || t === '' || t === '0' || t === 0) return fallback;
  if (typeof t === 'string' && !/^\d{1,30}$/.test(t))
    throw new OtlpError(`invalid timeUnixNano ${JSON.stringify(t)}`);
  const n = typeof t === 'number' ? t : Number(BigInt(t) / 1_000_000n);
  return typeof t === 'number' ? Math.floor(n / 1e6) : n;
}

function numberValue(p: NumberDataPoint): number {
  if (p.asDouble !== undefined) return Number(p.asDouble);
  if (p.asInt !== undefined) return Number(p.asInt);
  return Number.NaN;
}

const PROM_TYPE = { gauge: 'gauge', counter: 'counter', histogram: 'histogram' } as const;

/** Ingests one export request as a single batch. Invalid points are counted as rejected. */
export function ingestOtlp(
  db: Tsdb,
  body: unknown,
  now: number,
): { rejectedDataPoints: number; errorMessage: string } {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as ExportRequest).resourceMetrics))
    throw new OtlpError(
      'request body must be an OTLP ExportMetricsServiceRequest in JSON with resourceMetrics',
    );
  const req = body as ExportRequest;
  const samples: { labels: Labels; t: number; v: number }[] = [];
  let rejected = 0;
  let errorMessage = '';
  const reject = (message: string) => {
    rejected++;
    errorMessage ||= message;
  };
  // Untrusted JSON: a value of the wrong shape surfaces as a TypeError here and becomes a 400.
  try {
    for (const rm of req.resourceMetrics ?? []) {
      const attrs = rm.resource?.attributes ?? [];
      const get = (key: string) => attrValue(attrs.find((a) => a.key === key)?.value);
      const ns = get('service.namespace');
      const service = get('service.name');
      const base: Label[] = [];
      if (service) base.push({ name: 'job', value: ns ? `${ns}/${service}` : service });
      if (get('service.instance.id')) base.push({ name: 'instance', value: get('service.instance.id') });
      for (const sm of rm.scopeMetrics ?? []) {
        for (const m of sm.metrics ?? []) {
          if (!m.name) {
            reject('metric without a name');
            continue;
          }
          const name = sanitize(m.name, true);
          const meta = { help: m.description ?? '', unit: m.unit ?? '' };
          if (m.gauge) {
            db.metadata.set(name, { type: PROM_TYPE.gauge, ...meta });
            for (const p of m.gauge.dataPoints ?? [])
              samples.push({
                labels: finish(name, toLabels(p.attributes, base)),
                t: nanosToMs(p.timeUnixNano, now),
                v: numberValue(p),
              });
          } else if (m.sum) {
            if (m.sum.aggregationTemporality !== CUMULATIVE) {
              for (const _ of m.sum.dataPoints ?? [])
                reject(`metric ${name}: delta temporality is not supported`);
              continue;
            }
            const counter = m.sum.isMonotonic === true;
            const full = counter && !name.endsWith('_total') ? `${name}_total` : name;
            db.metadata.set(full, { type: counter ? PROM_TYPE.counter : PROM_TYPE.gauge, ...meta });
            for (const p of m.sum.dataPoints ?? [])
              samples.push({
                labels: finish(full, toLabels(p.attributes, base)),
                t: nanosToMs(p.timeUnixNano, now),
                v: numberValue(p),
              });
          } else if (m.histogram) {
            if (m.histogram.aggregationTemporality !== CUMULATIVE) {
              for (const _ of m.histogram.dataPoints ?? [])
                reject(`metric ${name}: delta temporality is not supported`);
              continue;
            }
            db.metadata.set(name, { type: PROM_TYPE.histogram, ...meta });
            for (const p of m.histogram.dataPoints ?? []) {
              const labels = toLabels(p.attributes, base);
              const t = nanosToMs(p.timeUnixNano, now);
              const bounds = p.explicitBounds ?? [];
              const counts = (p.bucketCounts ?? []).map(Number);
              if (counts.length !== bounds.length + 1) {
                reject(`metric ${name}: bucketCounts must have one more entry than explicitBounds`);
                continue;
              }
              let cumulative = 0;
              counts.forEach((c, i) => {
                cumulative += c;
                const le = i < bounds.length ? String(bounds[i]) : '+Inf';
                samples.push({
                  labels: finish(`${name}_bucket`, labels, { name: 'le', value: le }),
                  t,
                  v: cumulative,
                });
              });
              samples.push({ labels: finish(`${name}_count`, labels), t, v: Number(p.count ?? cumulative) });
              if (p.sum !== undefined)
                samples.push({ labels: finish(`${name}_sum`, labels), t, v: Number(p.sum) });
            }
          } else {
            reject(`metric ${name}: only gauge, sum and histogram are supported`);
          }
        }
      }
    }
  } catch (error) {
    if (error instanceof TypeError || error instanceof SyntaxError || error instanceof RangeError)
      throw new OtlpError(`malformed OTLP request: ${error.message}`);
    throw error;
  }
  const app = db.appender();
  try {
    for (const s of samples) {
      const reason = validateLabels(s.labels);
      if (reason) {
        reject(reason);
        continue;
      }
      app.append(app.ref(s.labels, labelsKey(s.labels)), s.t, s.v);
    }
    app.commit();
  } catch (error) {
    app.rollback();
    if (error instanceof AppendError) throw new OtlpError(error.message);
    throw error;
  }
  return { rejectedDataPoints: rejected, errorMessage };
}
