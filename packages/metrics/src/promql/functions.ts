/**
 * PromQL functions with Prometheus 3.x semantics. Each entry is described once: its argument
 * types (used by the parser's type check), its return type, and its implementation.
 */
import { dropMetricName, getLabel, isValidLabelName, type Labels, METRIC_NAME, setLabel } from '../labels.js';
import type { Expr, ValueType } from './ast.js';
import { QueryError, type RangeSeries, type Sample, type Value } from './value.js';

export interface CallContext {
  /** Evaluation time in ms. */
  t: number;
  args: Value[];
  exprs: Expr[];
  /** Range and offset of the range-vector argument, in ms (for rate extrapolation). */
  range: number;
  offset: number;
}

/**
 * One series' samples in a range window: indices [lo, hi) of `t` and `v`, staleness markers
 * already removed. Range queries slide one window along each series instead of slicing per step.
 */
export interface Window {
  t: ArrayLike<number>;
  v: ArrayLike<number>;
  lo: number;
  hi: number;
}

/** What a function over a range window needs of its call: evaluation time, range and offset. */
export type WindowContext = Pick<CallContext, 't' | 'range' | 'offset'>;

/** A `*_over_time`-style function: one window in, one value (or none: the series is dropped) out. */
export type WindowFn = (w: Window, ctx: WindowContext) => number | undefined;

export interface FunctionDef {
  args: ValueType[];
  /** How many trailing arguments may be left out. */
  optional?: number;
  /** The last argument type may repeat. */
  variadic?: boolean;
  returns: ValueType;
  call(ctx: CallContext): Value;
  /** For functions of one range vector: the per-window function (lets the engine slide windows). */
  window?: WindowFn;
}

const vec = (samples: Sample[]): Value => ({ type: 'vector', samples });

function vectorArg(ctx: CallContext, i: number): Sample[] {
  const v = ctx.args[i];
  return v?.type === 'vector' ? v.samples : [];
}

function matrixArg(ctx: CallContext): RangeSeries[] {
  const v = ctx.args[0];
  return v?.type === 'matrix' ? v.series : [];
}

function scalarArg(ctx: CallContext, i: number, fallback = Number.NaN): number {
  const v = ctx.args[i];
  return v?.type === 'scalar' ? v.v : fallback;
}

function stringArg(ctx: CallContext, i: number): string {
  const v = ctx.args[i];
  return v?.type === 'string' ? v.s : '';
}

/** Applies `fn` to every element, dropping the metric name (the value no longer is that metric). */
function mathFn(fn: (v: number) => number): FunctionDef {
  return {
    args: ['vector'],
    returns: 'vector',
    call: (ctx) =>
      vec(vectorArg(ctx, 0).map((s) => ({ labels: dropMetricName(s.labels), t: ctx.t, v: fn(s.v) }))),
  };
}

/** A function over each series of a range vector; `undefined` drops the series. */
function overTime(fn: WindowFn, keepName = false): FunctionDef {
  return {
    args: ['matrix'],
    returns: 'vector',
    window: fn,
    call: (ctx) => {
      const out: Sample[] = [];
      for (const s of matrixArg(ctx)) {
        if (s.t.length === 0) continue;
        const v = fn(wholeWindow(s), ctx);
        if (v !== undefined)
          out.push({ labels: keepName ? s.labels : dropMetricName(s.labels), t: ctx.t, v });
      }
      return vec(out);
    },
  };
}

function overTimeWithParam(fn: (param: number, s: RangeSeries) => number | undefined): FunctionDef {
  return {
    args: ['scalar', 'matrix'],
    returns: 'vector',
    call: (ctx) => {
      const param = scalarArg(ctx, 0);
      const out: Sample[] = [];
      const m = ctx.args[1];
      for (const s of m?.type === 'matrix' ? m.series : []) {
        if (s.t.length === 0) continue;
        const v = fn(param, s);
        if (v !== undefined) out.push({ labels: dropMetricName(s.labels), t: ctx.t, v });
      }
      return vec(out);
    },
  };
}

function wholeWindow(s: RangeSeries): Window {
  return { t: s.t, v: s.v, lo: 0, hi: s.t.length };
}

/** Neumaier-compensated sum of values[lo, hi), as Prometheus's kahanSumInc. */
export function kahanSum(values: ArrayLike<number>, lo = 0, hi = values.length): number {
  let sum = 0;
  let c = 0;
  for (let i = lo; i < hi; i++) {
    const v = values[i]!;
    const t = sum + v;
    if (Math.abs(sum) >= Math.abs(v)) c += sum - t + v;
    else c += v - t + sum;
    sum = t;
  }
  return Number.isFinite(sum) ? sum + c : sum;
}

/**
 * rate/increase/delta: the difference over the range, corrected for counter resets and
 * extrapolated towards the range boundaries exactly as Prometheus's extrapolatedRate.
 */
function extrapolatedRate(
  w: Window,
  ctx: WindowContext,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  const { t, v, lo, hi } = w;
  const n = hi - lo;
  if (n < 2) return undefined;
  const rangeStart = ctx.t - ctx.range - ctx.offset;
  const rangeEnd = ctx.t - ctx.offset;
  const firstT = t[lo]!;
  const lastT = t[hi - 1]!;
  const firstV = v[lo]!;
  let result = v[hi - 1]! - firstV;
  if (isCounter) {
    let prev = firstV;
    for (let i = lo + 1; i < hi; i++) {
      const cur = v[i]!;
      if (cur < prev) result += prev;
      prev = cur;
    }
  }
  let durationToStart = (firstT - rangeStart) / 1000;
  let durationToEnd = (rangeEnd - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageDurationBetweenSamples = sampledInterval / (n - 1);
  const extrapolationThreshold = averageDurationBetweenSamples * 1.1;
  if (durationToStart >= extrapolationThreshold) durationToStart = averageDurationBetweenSamples / 2;
  if (isCounter && result > 0 && firstV >= 0) {
    // A counter cannot go below zero: do not extrapolate past the point where it would be 0.
    const durationToZero = sampledInterval * (firstV / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= extrapolationThreshold) durationToEnd = averageDurationBetweenSamples / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= ctx.range / 1000;
  return result * factor;
}

function instantValue(w: Window, isRate: boolean): number | undefined {
  const { t, v, lo, hi } = w;
  if (hi - lo < 2) return undefined;
  const last = v[hi - 1]!;
  const prev = v[hi - 2]!;
  const dt = (t[hi - 1]! - t[hi - 2]!) / 1000;
  if (!isRate) return last - prev;
  if (dt === 0) return undefined;
  return (last < prev ? last : last - prev) / dt;
}

/** Least-squares fit of value against time (seconds from interceptTime). */
export function linearRegression(w: Window, interceptTime: number): [slope: number, intercept: number] {
  const n = w.hi - w.lo;
  const initY = w.v[w.lo]!;
  let constY = true;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  const xys = new Float64Array(n);
  const x2s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const y = w.v[w.lo + i]!;
    if (i > 0 && y !== initY) constY = false;
    const x = (w.t[w.lo + i]! - interceptTime) / 1000;
    xs[i] = x;
    ys[i] = y;
    xys[i] = x * y;
    x2s[i] = x * x;
  }
  if (constY) return Number.isFinite(initY) ? [0, initY] : [Number.NaN, Number.NaN];
  const sumX = kahanSum(xs);
  const sumY = kahanSum(ys);
  const covXY = kahanSum(xys) - (sumX * sumY) / n;
  const varX = kahanSum(x2s) - (sumX * sumX) / n;
  const slope = covXY / varX;
  return [slope, sumY / n - (slope * sumX) / n];
}

function variance(values: ArrayLike<number>, lo: number, hi: number): number {
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (let i = lo; i < hi; i++) {
    const v = values[i]!;
    count++;
    const delta = v - mean;
    mean += delta / count;
    m2 += delta * (v - mean);
  }
  return m2 / count;
}

/** φ-quantile with linear interpolation between ranks, as Prometheus's quantile(). */
export function quantile(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  const rank = q * (n - 1);
  const lower = Math.max(0, Math.floor(rank));
  const upper = Math.min(n - 1, lower + 1);
  const weight = rank - Math.floor(rank);
  return sorted[lower]! * (1 - weight) + sorted[upper]! * weight;
}

function mean(values: ArrayLike<number>, lo: number, hi: number): number {
  // Incremental mean avoids overflow for large values, like Prometheus's avg_over_time.
  const n = hi - lo;
  let m = 0;
  for (let i = lo; i < hi; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) return kahanSum(values, lo, hi) / n;
    m += (v - m) / (i - lo + 1);
  }
  return n > 0 ? kahanSum(values, lo, hi) / n : Number.NaN;
}

/** The window's values as an array (for the functions that sort them). */
function windowValues(w: Window): number[] {
  const out: number[] = [];
  for (let i = w.lo; i < w.hi; i++) out.push(w.v[i]!);
  return out;
}

/** Go's regexp.Expand template syntax: `$1`, `${1}`, `$name`, `${name}`, `$$`. */
function expandTemplate(template: string, match: RegExpExecArray): string {
  return template.replace(
    /\$(\$|\{([a-zA-Z0-9_]+)\}|([a-zA-Z0-9_]+))/g,
    (_, whole: string, braced?: string, bare?: string) => {
      if (whole === '$') return '$';
      const name = braced ?? bare!;
      if (/^\d+$/.test(name)) return match[Number(name)] ?? '';
      return match.groups?.[name] ?? '';
    },
  );
}

/** Labels from the equality matchers of absent()'s selector argument. */
function absentLabels(expr: Expr | undefined): Labels {
  let e = expr;
  while (e && (e.kind === 'ParenExpr' || e.kind === 'MatrixSelector'))
    e = e.kind === 'ParenExpr' ? e.expr : e.vector;
  if (e?.kind !== 'VectorSelector') return [];
  const seen = new Map<string, string | undefined>();
  for (const m of e.matchers) {
    if (m.name === METRIC_NAME) continue;
    if (m.type === '=' && !seen.has(m.name)) seen.set(m.name, m.value);
    else seen.set(m.name, undefined);
  }
  const out: { name: string; value: string }[] = [];
  for (const [name, value] of seen) if (value !== undefined && value !== '') out.push({ name, value });
  return out.sort((a, b) => (a.name < b.name ? -1 : 1));
}

const DATE_PARTS: Record<string, (d: Date) => number> = {
  day_of_month: (d) => d.getUTCDate(),
  day_of_week: (d) => d.getUTCDay(),
  day_of_year: (d) => Math.floor((d.getTime() - Date.UTC(d.getUTCFullYear(), 0, 1)) / 86_400_000) + 1,
  days_in_month: (d) => new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate(),
  hour: (d) => d.getUTCHours(),
  minute: (d) => d.getUTCMinutes(),
  month: (d) => d.getUTCMonth() + 1,
  year: (d) => d.getUTCFullYear(),
};

function dateFn(part: (d: Date) => number): FunctionDef {
  return {
    args: ['vector'],
    optional: 1,
    returns: 'vector',
    call: (ctx) => {
      if (ctx.args.length === 0) return vec([{ labels: [], t: ctx.t, v: part(new Date(ctx.t)) }]);
      return vec(
        vectorArg(ctx, 0).map((s) => ({
          labels: dropMetricName(s.labels),
          t: ctx.t,
          v: Number.isFinite(s.v) ? part(new Date(s.v * 1000)) : Number.NaN,
        })),
      );
    },
  };
}

function sortBy(compare: (a: Sample, b: Sample) => number): FunctionDef {
  return { args: ['vector'], returns: 'vector', call: (ctx) => vec([...vectorArg(ctx, 0)].sort(compare)) };
}

function byValue(desc: boolean): (a: Sample, b: Sample) => number {
  // NaN sorts last in both directions, as in Prometheus.
  return (a, b) => {
    if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : 1;
    if (Number.isNaN(b.v)) return -1;
    return desc ? b.v - a.v : a.v - b.v;
  };
}

function byLabels(desc: boolean): FunctionDef {
  return {
    args: ['vector', 'string'],
    variadic: true,
    returns: 'vector',
    call: (ctx) => {
      const names = ctx.args.slice(1).map((a) => (a.type === 'string' ? a.s : ''));
      const key = (s: Sample) => names.map((n) => getLabel(s.labels, n));
      const sorted = [...vectorArg(ctx, 0)].sort((a, b) => {
        const ka = key(a);
        const kb = key(b);
        for (let i = 0; i < ka.length; i++) {
          const c = ka[i]!.localeCompare(kb[i]!, 'en', { numeric: true });
          if (c !== 0) return desc ? -c : c;
        }
        return 0;
      });
      return vec(sorted);
    },
  };
}

function clampVector(ctx: CallContext, min: number, max: number): Value {
  if (max < min) return vec([]);
  return vec(
    vectorArg(ctx, 0).map((s) => ({
      labels: dropMetricName(s.labels),
      t: ctx.t,
      v: Number.isNaN(min) || Number.isNaN(max) ? Number.NaN : Math.max(min, Math.min(max, s.v)),
    })),
  );
}

/** Classic-bucket quantile, as Prometheus's BucketQuantile. */
export function bucketQuantile(q: number, buckets: { upper: number; count: number }[]): number {
  if (Number.isNaN(q)) return Number.NaN;
  if (q < 0) return Number.NEGATIVE_INFINITY;
  if (q > 1) return Number.POSITIVE_INFINITY;
  buckets.sort((a, b) => a.upper - b.upper);
  if (buckets.length === 0 || buckets[buckets.length - 1]!.upper !== Number.POSITIVE_INFINITY)
    return Number.NaN;
  // Coalesce equal bounds, then force monotonic counts (buckets scraped at slightly different times).
  const merged: { upper: number; count: number }[] = [];
  for (const b of buckets) {
    const last = merged[merged.length - 1];
    if (last && last.upper === b.upper) last.count += b.count;
    else merged.push({ ...b });
  }
  let max = Number.NEGATIVE_INFINITY;
  for (const b of merged) {
    if (b.count < max) b.count = max;
    else max = b.count;
  }
  if (merged.length < 2) return Number.NaN;
  const observations = merged[merged.length - 1]!.count;
  if (observations === 0) return Number.NaN;
  let rank = q * observations;
  let b = 0;
  while (b < merged.length - 1 && merged[b]!.count < rank) b++;
  if (b === merged.length - 1) return merged[merged.length - 2]!.upper;
  if (b === 0 && merged[0]!.upper <= 0) return merged[0]!.upper;
  let bucketStart = 0;
  const bucketEnd = merged[b]!.upper;
  let count = merged[b]!.count;
  if (b > 0) {
    bucketStart = merged[b - 1]!.upper;
    count -= merged[b - 1]!.count;
    rank -= merged[b - 1]!.count;
  }
  return bucketStart + (bucketEnd - bucketStart) * (rank / count);
}

function histogramQuantile(ctx: CallContext): Value {
  const q = scalarArg(ctx, 0);
  const groups = new Map<string, { labels: Labels; buckets: { upper: number; count: number }[] }>();
  const input = ctx.args[1]?.type === 'vector' ? ctx.args[1].samples : [];
  for (const s of input) {
    const le = getLabel(s.labels, 'le');
    const upper = parseLe(le);
    if (Number.isNaN(upper)) continue;
    const labels = dropMetricName(s.labels).filter((l) => l.name !== 'le');
    const key = JSON.stringify(labels);
    let g = groups.get(key);
    if (!g) {
      g = { labels, buckets: [] };
      groups.set(key, g);
    }
    g.buckets.push({ upper, count: s.v });
  }
  return vec(
    [...groups.values()].map((g) => ({ labels: g.labels, t: ctx.t, v: bucketQuantile(q, g.buckets) })),
  );
}

function parseLe(le: string): number {
  if (le === '') return Number.NaN;
  const l = le.toLowerCase();
  if (l === '+inf' || l === 'inf') return Number.POSITIVE_INFINITY;
  if (l === '-inf') return Number.NEGATIVE_INFINITY;
  const n = Number(le);
  return Number.isNaN(n) || le.trim() === '' ? Number.NaN : n;
}

function labelReplace(ctx: CallContext): Value {
  const [dst, replacement, src, regex] = [1, 2, 3, 4].map((i) => stringArg(ctx, i)) as [
    string,
    string,
    string,
    string,
  ];
  let re: RegExp;
  try {
    re = new RegExp(`^(?:${regex})$`, 's');
  } catch (error) {
    throw new QueryError(
      'bad_data',
      `invalid regular expression in label_replace(): ${regex}: ${(error as Error).message}`,
    );
  }
  if (!isValidLabelName(dst))
    throw new QueryError('bad_data', `invalid destination label name in label_replace(): ${dst}`);
  return vec(
    vectorArg(ctx, 0).map((s) => {
      const m = re.exec(getLabel(s.labels, src));
      if (!m) return s;
      return { labels: setLabel(s.labels, dst, expandTemplate(replacement, m)), t: s.t, v: s.v };
    }),
  );
}

function labelJoin(ctx: CallContext): Value {
  const dst = stringArg(ctx, 1);
  const sep = stringArg(ctx, 2);
  const srcs = ctx.args.slice(3).map((a) => (a.type === 'string' ? a.s : ''));
  if (!isValidLabelName(dst))
    throw new QueryError('bad_data', `invalid destination label name in label_join(): ${dst}`);
  return vec(
    vectorArg(ctx, 0).map((s) => ({
      labels: setLabel(s.labels, dst, srcs.map((n) => getLabel(s.labels, n)).join(sep)),
      t: s.t,
      v: s.v,
    })),
  );
}

export const FUNCTIONS: Record<string, FunctionDef> = {
  abs: mathFn(Math.abs),
  ceil: mathFn(Math.ceil),
  floor: mathFn(Math.floor),
  exp: mathFn(Math.exp),
  ln: mathFn(Math.log),
  log2: mathFn(Math.log2),
  log10: mathFn(Math.log10),
  sqrt: mathFn(Math.sqrt),
  sgn: mathFn((v) => (Number.isNaN(v) ? v : Math.sign(v))),
  acos: mathFn(Math.acos),
  acosh: mathFn(Math.acosh),
  asin: mathFn(Math.asin),
  asinh: mathFn(Math.asinh),
  atan: mathFn(Math.atan),
  atanh: mathFn(Math.atanh),
  cos: mathFn(Math.cos),
  cosh: mathFn(Math.cosh),
  sin: mathFn(Math.sin),
  sinh: mathFn(Math.sinh),
  tan: mathFn(Math.tan),
  tanh: mathFn(Math.tanh),
  deg: mathFn((v) => (v * 180) / Math.PI),
  rad: mathFn((v) => (v * Math.PI) / 180),
  pi: { args: [], returns: 'scalar', call: () => ({ type: 'scalar', v: Math.PI }) },
  round: {
    args: ['vector', 'scalar'],
    optional: 1,
    returns: 'vector',
    call: (ctx) => {
      const inverse = 1 / scalarArg(ctx, 1, 1);
      return vec(
        vectorArg(ctx, 0).map((s) => ({
          labels: dropMetricName(s.labels),
          t: ctx.t,
          v: Math.floor(s.v * inverse + 0.5) / inverse,
        })),
      );
    },
  },
  clamp: {
    args: ['vector', 'scalar', 'scalar'],
    returns: 'vector',
    call: (ctx) => clampVector(ctx, scalarArg(ctx, 1), scalarArg(ctx, 2)),
  },
  clamp_min: {
    args: ['vector', 'scalar'],
    returns: 'vector',
    call: (ctx) => clampVector(ctx, scalarArg(ctx, 1), Number.POSITIVE_INFINITY),
  },
  clamp_max: {
    args: ['vector', 'scalar'],
    returns: 'vector',
    call: (ctx) => clampVector(ctx, Number.NEGATIVE_INFINITY, scalarArg(ctx, 1)),
  },
  rate: overTime((w, ctx) => extrapolatedRate(w, ctx, true, true)),
  increase: overTime((w, ctx) => extrapolatedRate(w, ctx, true, false)),
  delta: overTime((w, ctx) => extrapolatedRate(w, ctx, false, false)),
  irate: overTime((w) => instantValue(w, true)),
  idelta: overTime((w) => instantValue(w, false)),
  deriv: overTime((w) => (w.hi - w.lo < 2 ? undefined : linearRegression(w, w.t[w.lo]!)[0])),
  predict_linear: {
    args: ['matrix', 'scalar'],
    returns: 'vector',
    call: (ctx) => {
      const duration = scalarArg(ctx, 1);
      const out: Sample[] = [];
      for (const s of matrixArg(ctx)) {
        if (s.t.length < 2) continue;
        const [slope, intercept] = linearRegression(wholeWindow(s), ctx.t);
        out.push({ labels: dropMetricName(s.labels), t: ctx.t, v: slope * duration + intercept });
      }
      return vec(out);
    },
  },
  resets: overTime((w) => {
    let n = 0;
    for (let i = w.lo + 1; i < w.hi; i++) if (w.v[i]! < w.v[i - 1]!) n++;
    return n;
  }),
  changes: overTime((w) => {
    let n = 0;
    for (let i = w.lo + 1; i < w.hi; i++) {
      const a = w.v[i - 1]!;
      const b = w.v[i]!;
      if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) n++;
    }
    return n;
  }),
  avg_over_time: overTime((w) => mean(w.v, w.lo, w.hi)),
  min_over_time: overTime((w) => {
    let m = Number.NaN;
    for (let i = w.lo; i < w.hi; i++) if (Number.isNaN(m) || w.v[i]! < m) m = w.v[i]!;
    return m;
  }),
  max_over_time: overTime((w) => {
    let m = Number.NaN;
    for (let i = w.lo; i < w.hi; i++) if (Number.isNaN(m) || w.v[i]! > m) m = w.v[i]!;
    return m;
  }),
  sum_over_time: overTime((w) => kahanSum(w.v, w.lo, w.hi)),
  count_over_time: overTime((w) => w.hi - w.lo),
  last_over_time: overTime((w) => w.v[w.hi - 1]!, true),
  first_over_time: overTime((w) => w.v[w.lo]!, true),
  present_over_time: overTime(() => 1),
  stddev_over_time: overTime((w) => Math.sqrt(variance(w.v, w.lo, w.hi))),
  stdvar_over_time: overTime((w) => variance(w.v, w.lo, w.hi)),
  mad_over_time: overTime((w) => {
    const values = windowValues(w);
    const median = quantile(0.5, values);
    return quantile(
      0.5,
      values.map((v) => Math.abs(v - median)),
    );
  }),
  ts_of_last_over_time: overTime((w) => w.t[w.hi - 1]! / 1000),
  ts_of_first_over_time: overTime((w) => w.t[w.lo]! / 1000),
  quantile_over_time: overTimeWithParam((q, s) => quantile(q, Array.from(s.v))),
  absent_over_time: {
    args: ['matrix'],
    returns: 'vector',
    call: (ctx) =>
      vec(
        matrixArg(ctx).some((s) => s.t.length > 0)
          ? []
          : [{ labels: absentLabels(ctx.exprs[0]), t: ctx.t, v: 1 }],
      ),
  },
  absent: {
    args: ['vector'],
    returns: 'vector',
    call: (ctx) =>
      vec(vectorArg(ctx, 0).length > 0 ? [] : [{ labels: absentLabels(ctx.exprs[0]), t: ctx.t, v: 1 }]),
  },
  time: { args: [], returns: 'scalar', call: (ctx) => ({ type: 'scalar', v: ctx.t / 1000 }) },
  timestamp: {
    args: ['vector'],
    returns: 'vector',
    call: (ctx) =>
      vec(vectorArg(ctx, 0).map((s) => ({ labels: dropMetricName(s.labels), t: ctx.t, v: s.t / 1000 }))),
  },
  vector: {
    args: ['scalar'],
    returns: 'vector',
    call: (ctx) => vec([{ labels: [], t: ctx.t, v: scalarArg(ctx, 0) }]),
  },
  scalar: {
    args: ['vector'],
    returns: 'scalar',
    call: (ctx) => {
      const v = vectorArg(ctx, 0);
      return { type: 'scalar', v: v.length === 1 ? v[0]!.v : Number.NaN };
    },
  },
  sort: sortBy(byValue(false)),
  sort_desc: sortBy(byValue(true)),
  sort_by_label: byLabels(false),
  sort_by_label_desc: byLabels(true),
  label_replace: {
    args: ['vector', 'string', 'string', 'string', 'string'],
    returns: 'vector',
    call: labelReplace,
  },
  label_join: {
    args: ['vector', 'string', 'string', 'string'],
    variadic: true,
    optional: 1,
    returns: 'vector',
    call: labelJoin,
  },
  histogram_quantile: { args: ['scalar', 'vector'], returns: 'vector', call: histogramQuantile },
  ...Object.fromEntries(Object.entries(DATE_PARTS).map(([name, part]) => [name, dateFn(part)])),
};

/** Functions whose result keeps the input's metric name. */
export const KEEPS_METRIC_NAME = new Set([
  'last_over_time',
  'first_over_time',
  'sort',
  'sort_desc',
  'sort_by_label',
  'sort_by_label_desc',
  'label_replace',
  'label_join',
]);
