/**
 * PromQL evaluation with Prometheus 3.x semantics. A query first selects, once, all the data
 * every selector needs over the whole query range; then the expression is evaluated at each step
 * from those buffers (binary search per series), so range queries do not hit storage per step.
 */
import type { Clock } from '@parley/kit';
import { dropMetricName, type Label, type Labels, labelsKey, METRIC_NAME } from '../labels.js';
import type { Querier, SeriesData } from '../querier.js';
import { aggregate } from './aggregations.js';
import type {
  AtModifier,
  BinaryExpr,
  Call,
  Expr,
  SubqueryExpr,
  VectorMatching,
  VectorSelector,
} from './ast.js';
import { isComparison, isSetOp } from './ast.js';
import { FUNCTIONS, KEEPS_METRIC_NAME } from './functions.js';
import { exprType, ParseError, parseExpr } from './parse.js';
import { aggregateSteps, STEPWISE_AGGREGATIONS, type StepSeries, windowSteps } from './steps.js';
import { QueryError, type RangeSeries, type Sample, type Value } from './value.js';

export interface EngineOptions {
  /** How far back an instant selector looks for a sample. Default 5m. */
  lookbackDeltaMs?: number;
  /** Most samples a query may load and produce. Default 50,000,000 (Prometheus's default). */
  maxSamples?: number;
  /** Wall-clock budget of one query. Default 2m. */
  timeoutMs?: number;
  /** Subquery step when none is given. Default 1m (Prometheus's global evaluation interval). */
  defaultSubqueryStepMs?: number;
  /** Source of wall-clock time for the timeout; tests may inject one. */
  clock?: Clock;
}

export interface RangeQuery {
  start: number;
  end: number;
  step: number;
}

/** A loaded selector: its series, with a flag telling whether any value is a staleness marker. */
interface Loaded {
  series: SeriesData[];
  stale: boolean[];
}

export class Engine {
  readonly lookbackDelta: number;
  readonly maxSamples: number;
  readonly timeoutMs: number;
  readonly defaultSubqueryStep: number;
  readonly clock: Clock;

  constructor(options: EngineOptions = {}) {
    this.lookbackDelta = options.lookbackDeltaMs ?? 5 * 60_000;
    this.maxSamples = options.maxSamples ?? 50_000_000;
    this.timeoutMs = options.timeoutMs ?? 120_000;
    this.defaultSubqueryStep = options.defaultSubqueryStepMs ?? 60_000;
    this.clock = options.clock ?? { now: () => Date.now() };
  }

  /** The same engine with a shorter timeout (a query's own `timeout` parameter). */
  withTimeout(timeoutMs: number): Engine {
    if (timeoutMs >= this.timeoutMs) return this;
    return new Engine({
      lookbackDeltaMs: this.lookbackDelta,
      maxSamples: this.maxSamples,
      timeoutMs,
      defaultSubqueryStepMs: this.defaultSubqueryStep,
      clock: this.clock,
    });
  }

  /** Parses, mapping syntax errors to Prometheus's `bad_data`. */
  parse(query: string): Expr {
    try {
      return parseExpr(query);
    } catch (error) {
      if (error instanceof ParseError) throw new QueryError('bad_data', error.message);
      throw error;
    }
  }

  /** Evaluates at one instant (ms). */
  instantQuery(querier: Querier, query: string | Expr, time: number): Value {
    const expr = typeof query === 'string' ? this.parse(query) : query;
    const ev = new Evaluation(this, querier, time, time, 0);
    ev.load(expr);
    const value = ev.eval(expr, time);
    if (value.type === 'matrix') value.series = value.series.filter((s) => s.t.length > 0);
    ev.checkSamples(value.type === 'vector' ? value.samples.length : 0);
    return value;
  }

  /** Evaluates at every step in [start, end]; returns a matrix (one series per label set). */
  rangeQuery(querier: Querier, query: string | Expr, range: RangeQuery): RangeSeries[] {
    const expr = typeof query === 'string' ? this.parse(query) : query;
    const type = exprType(expr);
    if (type !== 'scalar' && type !== 'vector')
      throw new QueryError(
        'bad_data',
        `invalid expression type "${type === 'matrix' ? 'range vector' : 'string'}" for range query, must be Scalar or instant Vector`,
      );
    if (range.step <= 0)
      throw new QueryError('bad_data', 'zero or negative query resolution step widths are not accepted');
    if (range.end < range.start)
      throw new QueryError('bad_data', 'end timestamp must not be before start time');
    const ev = new Evaluation(this, querier, range.start, range.end, range.step);
    ev.load(expr);
    const whole = ev.precompute(expr);
    if (whole) return ev.toMatrix(whole);
    const out = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
    let points = 0;
    for (let t = range.start; t <= range.end; t += range.step) {
      ev.checkTimeout();
      const value = ev.eval(expr, t);
      const samples: Sample[] =
        value.type === 'scalar'
          ? [{ labels: [], t, v: value.v }]
          : value.type === 'vector'
            ? value.samples
            : [];
      for (const s of samples) {
        const key = labelsKey(s.labels);
        let series = out.get(key);
        if (!series) {
          series = { labels: s.labels, t: [], v: [] };
          out.set(key, series);
        }
        series.t.push(t);
        series.v.push(s.v);
      }
      points += samples.length;
      ev.checkSamples(points);
    }
    return [...out.values()];
  }
}

function resolveAt(at: AtModifier | undefined, start: number, end: number): number | undefined {
  if (at === 'start') return start;
  if (at === 'end') return end;
  return at;
}

/** Index of the last element ≤ x, or -1. */
function lastAtOrBefore(ts: ArrayLike<number>, length: number, x: number): number {
  let lo = 0;
  let hi = length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ts[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

class Evaluation {
  private readonly loaded = new Map<VectorSelector, Loaded>();
  /** Subexpressions evaluated for every step of the range query at once (see steps.ts). */
  private readonly stepwise = new Map<Expr, StepSeries[]>();
  private readonly steps: number;
  private readonly windows = new Map<
    VectorSelector,
    { mint: number; maxt: number; func?: string; range?: number }
  >();
  private readonly deadline: number;
  private loadedSamples = 0;

  constructor(
    private readonly engine: Engine,
    private readonly querier: Querier,
    private readonly start: number,
    private readonly end: number,
    private readonly step: number,
  ) {
    this.deadline = this.now() + engine.timeoutMs;
    this.steps = step > 0 ? Math.floor((end - start) / step) + 1 : 0;
  }

  private now(): number {
    return this.engine.clock.now();
  }

  checkTimeout(): void {
    if (this.now() > this.deadline) throw new QueryError('timeout', 'query timed out in query execution');
  }

  checkSamples(extra: number): void {
    if (this.loadedSamples + extra > this.engine.maxSamples)
      throw new QueryError(
        'execution',
        'query processing would load too many samples into memory in query execution',
      );
  }

  /** Computes every selector's time window over the whole query, then selects each once. */
  load(expr: Expr): void {
    this.plan(expr, this.start, this.end, undefined);
    for (const [sel, w] of this.windows) {
      const series = this.querier.select(sel.matchers, w.mint, w.maxt, {
        step: this.step,
        func: w.func,
        range: w.range,
      });
      const stale = series.map((s) => s.samples.hasStale);
      for (const s of series) this.loadedSamples += s.samples.length;
      this.checkSamples(0);
      this.loaded.set(sel, { series, stale });
    }
  }

  /**
   * Evaluates, for all steps at once, every subexpression steps.ts can: a window function of a
   * selector, and simple aggregations of those. Returns the result if it covers the whole
   * expression. Subqueries are left alone: their inner steps are not the query's.
   */
  precompute(expr: Expr): StepSeries[] | undefined {
    const grid = { start: this.start, step: this.step, count: this.steps };
    switch (expr.kind) {
      case 'ParenExpr': {
        const inner = this.precompute(expr.expr);
        if (inner) this.stepwise.set(expr, inner);
        return inner;
      }
      case 'Call': {
        const def = FUNCTIONS[expr.func]!;
        const arg = expr.args.length === 1 ? unwrap(expr.args[0]!) : undefined;
        // The name-dropping uniqueness check cannot fail for one metric name (see fromOneMetric).
        if (
          def.window &&
          arg?.kind === 'MatrixSelector' &&
          arg.vector.at === undefined &&
          (KEEPS_METRIC_NAME.has(expr.func) || fromOneMetric(expr))
        ) {
          const loaded = this.loaded.get(arg.vector);
          const result = windowSteps(
            loaded?.series ?? [],
            def.window,
            KEEPS_METRIC_NAME.has(expr.func),
            { range: arg.range, offset: arg.vector.offset },
            grid,
            () => this.checkTimeout(),
          );
          this.stepwise.set(expr, result);
          return result;
        }
        for (const a of expr.args) this.precompute(a);
        return undefined;
      }
      case 'AggregateExpr': {
        const inner = this.precompute(expr.expr);
        if (expr.param) this.precompute(expr.param);
        if (!inner || expr.param || !STEPWISE_AGGREGATIONS.has(expr.op)) return undefined;
        const result = aggregateSteps(expr, inner, this.steps);
        this.stepwise.set(expr, result);
        return result;
      }
      case 'BinaryExpr':
        this.precompute(expr.lhs);
        this.precompute(expr.rhs);
        return undefined;
      case 'UnaryExpr':
        this.precompute(expr.expr);
        return undefined;
      default:
        return undefined;
    }
  }

  /** A range query's matrix from whole-range results: one series per label set, its present steps. */
  toMatrix(result: StepSeries[]): RangeSeries[] {
    const out: RangeSeries[] = [];
    let points = 0;
    for (const s of result) {
      const t: number[] = [];
      const v: number[] = [];
      for (let k = 0; k < this.steps; k++) {
        if (!s.present[k]) continue;
        t.push(this.start + k * this.step);
        v.push(s.v[k]!);
      }
      if (t.length === 0) continue;
      out.push({ labels: s.labels, t, v });
      points += t.length;
    }
    this.checkSamples(points);
    return out;
  }

  /** The vector a whole-range result holds at time t, if t is one of the query's steps. */
  private atStep(result: StepSeries[], t: number): Sample[] | undefined {
    const k = (t - this.start) / this.step;
    if (!Number.isInteger(k) || k < 0 || k >= this.steps) return undefined;
    const out: Sample[] = [];
    for (const s of result) if (s.present[k]) out.push({ labels: s.labels, t, v: s.v[k]! });
    return out;
  }

  private plan(expr: Expr, start: number, end: number, parent: Call | undefined): void {
    switch (expr.kind) {
      case 'VectorSelector':
      case 'MatrixSelector': {
        const sel = expr.kind === 'VectorSelector' ? expr : expr.vector;
        const range = expr.kind === 'MatrixSelector' ? expr.range : this.engine.lookbackDelta;
        const at = resolveAt(sel.at, this.start, this.end);
        const mint = (at ?? start) - sel.offset - range;
        const maxt = (at ?? end) - sel.offset;
        const prev = this.windows.get(sel);
        this.windows.set(sel, {
          mint: Math.min(prev?.mint ?? mint, mint),
          maxt: Math.max(prev?.maxt ?? maxt, maxt),
          func: parent?.func,
          range: expr.kind === 'MatrixSelector' ? expr.range : undefined,
        });
        return;
      }
      case 'SubqueryExpr': {
        const at = resolveAt(expr.at, this.start, this.end);
        this.plan(expr.expr, (at ?? start) - expr.offset - expr.range, (at ?? end) - expr.offset, undefined);
        return;
      }
      case 'Call':
        for (const a of expr.args) this.plan(a, start, end, expr);
        return;
      case 'AggregateExpr':
        if (expr.param) this.plan(expr.param, start, end, undefined);
        this.plan(expr.expr, start, end, undefined);
        return;
      case 'BinaryExpr':
        this.plan(expr.lhs, start, end, undefined);
        this.plan(expr.rhs, start, end, undefined);
        return;
      case 'UnaryExpr':
      case 'ParenExpr':
        this.plan(expr.expr, start, end, parent);
        return;
      default:
        return;
    }
  }

  eval(expr: Expr, t: number): Value {
    const whole = this.stepwise.size > 0 ? this.stepwise.get(expr) : undefined;
    const samples = whole && this.atStep(whole, t);
    if (samples) return { type: 'vector', samples };
    switch (expr.kind) {
      case 'NumberLiteral':
        return { type: 'scalar', v: expr.value };
      case 'StringLiteral':
        return { type: 'string', s: expr.value };
      case 'ParenExpr':
        return this.eval(expr.expr, t);
      case 'VectorSelector':
        return { type: 'vector', samples: this.vectorSelector(expr, t) };
      case 'MatrixSelector':
        return { type: 'matrix', series: this.matrixSelector(expr.vector, expr.range, t) };
      case 'SubqueryExpr':
        return { type: 'matrix', series: this.subquery(expr, t) };
      case 'Call':
        return this.call(expr, t);
      case 'AggregateExpr': {
        const inner = this.eval(expr.expr, t);
        let param: number | string = 0;
        if (expr.param) {
          const p = this.eval(expr.param, t);
          param = p.type === 'string' ? p.s : p.type === 'scalar' ? p.v : Number.NaN;
        }
        return {
          type: 'vector',
          samples: aggregate(expr, inner.type === 'vector' ? inner.samples : [], param, t),
        };
      }
      case 'UnaryExpr': {
        const inner = this.eval(expr.expr, t);
        if (expr.op === '+') return inner;
        if (inner.type === 'scalar') return { type: 'scalar', v: -inner.v };
        if (inner.type === 'vector')
          return {
            type: 'vector',
            samples: inner.samples.map((s) => ({ labels: dropMetricName(s.labels), t, v: -s.v })),
          };
        return inner;
      }
      case 'BinaryExpr':
        return this.binary(expr, t);
    }
  }

  private vectorSelector(sel: VectorSelector, t: number): Sample[] {
    const loaded = this.loaded.get(sel);
    if (!loaded) return [];
    const ts = (resolveAt(sel.at, this.start, this.end) ?? t) - sel.offset;
    const lookback = this.engine.lookbackDelta;
    const out: Sample[] = [];
    for (const s of loaded.series) {
      const b = s.samples;
      const i = lastAtOrBefore(b.t, b.length, ts);
      if (i < 0 || b.t[i]! <= ts - lookback) continue;
      if (b.hasStale && b.isStale(i)) continue;
      out.push({ labels: s.labels, t: b.t[i]!, v: b.v[i]! });
    }
    return out;
  }

  /** Samples in the left-open window (ts - range, ts], staleness markers removed. */
  private matrixSelector(sel: VectorSelector, range: number, t: number): RangeSeries[] {
    const loaded = this.loaded.get(sel);
    if (!loaded) return [];
    const ts = (resolveAt(sel.at, this.start, this.end) ?? t) - sel.offset;
    const out: RangeSeries[] = [];
    loaded.series.forEach((s, k) => {
      const b = s.samples;
      const hi = lastAtOrBefore(b.t, b.length, ts) + 1;
      const lo = lastAtOrBefore(b.t, hi, ts - range) + 1;
      if (hi <= lo) {
        out.push({ labels: s.labels, t: [], v: [] });
        return;
      }
      if (!loaded.stale[k]) {
        out.push({ labels: s.labels, t: b.t.subarray(lo, hi), v: b.v.subarray(lo, hi) });
        return;
      }
      const tt: number[] = [];
      const vv: number[] = [];
      for (let i = lo; i < hi; i++) {
        if (b.isStale(i)) continue;
        tt.push(b.t[i]!);
        vv.push(b.v[i]!);
      }
      out.push({ labels: s.labels, t: tt, v: vv });
    });
    return out;
  }

  private subquery(sq: SubqueryExpr, t: number): RangeSeries[] {
    const ts = (resolveAt(sq.at, this.start, this.end) ?? t) - sq.offset;
    const step = sq.step ?? this.engine.defaultSubqueryStep;
    const mint = ts - sq.range;
    // Steps are aligned to multiples of the step, and the range is left-open.
    let first = Math.floor(mint / step) * step;
    if (first <= mint) first += step;
    const out = new Map<string, { labels: Labels; t: number[]; v: number[] }>();
    for (let it = first; it <= ts; it += step) {
      const value = this.eval(sq.expr, it);
      if (value.type !== 'vector') continue;
      for (const s of value.samples) {
        const key = labelsKey(s.labels);
        let series = out.get(key);
        if (!series) {
          series = { labels: s.labels, t: [], v: [] };
          out.set(key, series);
        }
        series.t.push(it);
        series.v.push(s.v);
      }
    }
    return [...out.values()];
  }

  private call(expr: Call, t: number): Value {
    const def = FUNCTIONS[expr.func]!;
    let range = 0;
    let offset = 0;
    const args = expr.args.map((arg) => {
      const inner = unwrap(arg);
      if (inner.kind === 'MatrixSelector') {
        range = inner.range;
        offset = inner.vector.offset;
      } else if (inner.kind === 'SubqueryExpr') {
        range = inner.range;
        offset = inner.offset;
      }
      return this.eval(arg, t);
    });
    // timestamp() reports the sample's own time only when applied directly to a selector.
    if (
      expr.func === 'timestamp' &&
      unwrap(expr.args[0]!).kind !== 'VectorSelector' &&
      args[0]?.type === 'vector'
    )
      args[0] = { type: 'vector', samples: args[0].samples.map((s) => ({ ...s, t })) };
    const result = def.call({ t, args, exprs: expr.args, range, offset });
    if (result.type === 'vector' && !KEEPS_METRIC_NAME.has(expr.func) && !fromOneMetric(expr))
      assertUniqueLabelSets(result.samples);
    return result;
  }

  private binary(expr: BinaryExpr, t: number): Value {
    const lhs = this.eval(expr.lhs, t);
    const rhs = this.eval(expr.rhs, t);
    if (lhs.type === 'scalar' && rhs.type === 'scalar') {
      const [v, keep] = scalarBinop(expr.op, lhs.v, rhs.v);
      return { type: 'scalar', v: expr.returnBool ? (keep ? 1 : 0) : v };
    }
    if (lhs.type === 'vector' && rhs.type === 'vector')
      return { type: 'vector', samples: vectorBinop(expr, expr.matching!, lhs.samples, rhs.samples, t) };
    const swap = lhs.type === 'scalar';
    const vector = (swap ? rhs : lhs) as { type: 'vector'; samples: Sample[] };
    const scalar = ((swap ? lhs : rhs) as { type: 'scalar'; v: number }).v;
    const comparison = isComparison(expr.op);
    const out: Sample[] = [];
    for (const s of vector.samples) {
      const [l, r] = swap ? [scalar, s.v] : [s.v, scalar];
      let [v, keep] = scalarBinop(expr.op, l, r);
      if (comparison && swap) v = r; // the vector element's value is kept, even on the right
      if (expr.returnBool) {
        v = keep ? 1 : 0;
        keep = true;
      }
      if (!keep) continue;
      const drop = !comparison || expr.returnBool;
      out.push({ labels: drop ? dropMetricName(s.labels) : s.labels, t, v });
    }
    return { type: 'vector', samples: out };
  }
}

function unwrap(expr: Expr): Expr {
  return expr.kind === 'ParenExpr' ? unwrap(expr.expr) : expr;
}

/**
 * A function applied directly to a selector of one metric name: its inputs differ in more than
 * the name, so dropping the name cannot make two outputs collide and the check can be skipped.
 */
function fromOneMetric(call: Call): boolean {
  const first = call.args[0];
  if (!first) return false;
  const arg = unwrap(first);
  const sel = arg.kind === 'MatrixSelector' ? arg.vector : arg;
  return sel.kind === 'VectorSelector' && sel.name !== undefined;
}

function assertUniqueLabelSets(samples: Sample[]): void {
  if (samples.length < 2) return;
  const seen = new Set<string>();
  for (const s of samples) {
    const key = labelsKey(s.labels);
    if (seen.has(key))
      throw new QueryError('execution', 'vector cannot contain metrics with the same labelset');
    seen.add(key);
  }
}

/** Value and, for comparisons, whether the comparison held. */
function scalarBinop(op: BinaryExpr['op'], l: number, r: number): [number, boolean] {
  switch (op) {
    case '+':
      return [l + r, true];
    case '-':
      return [l - r, true];
    case '*':
      return [l * r, true];
    case '/':
      return [l / r, true];
    case '%':
      return [l % r, true];
    case '^':
      return [l ** r, true];
    case 'atan2':
      return [Math.atan2(l, r), true];
    case '==':
      return [l, l === r];
    case '!=':
      return [l, l !== r];
    case '>':
      return [l, l > r];
    case '<':
      return [l, l < r];
    case '>=':
      return [l, l >= r];
    case '<=':
      return [l, l <= r];
    default:
      throw new QueryError('bad_data', `operator ${op} not allowed between scalars`);
  }
}

const signatureCache = new WeakMap<VectorMatching, WeakMap<Labels, string>>();

/** The labels two sides are matched on, as a key; cached per matching clause and label set. */
function signature(labels: Labels, matching: VectorMatching): string {
  let cache = signatureCache.get(matching);
  if (!cache) {
    cache = new WeakMap();
    signatureCache.set(matching, cache);
  }
  let sig = cache.get(labels);
  if (sig === undefined) {
    sig = matching.on
      ? labelsKey(labels.filter((l) => matching.labels.includes(l.name)))
      : labelsKey(labels.filter((l) => l.name !== METRIC_NAME && !matching.labels.includes(l.name)));
    cache.set(labels, sig);
  }
  return sig;
}

function describe(labels: Labels): string {
  return `{${labels.map((l) => `${l.name}=${JSON.stringify(l.value)}`).join(', ')}}`;
}

function vectorBinop(
  expr: BinaryExpr,
  matching: VectorMatching,
  lhs: Sample[],
  rhs: Sample[],
  t: number,
): Sample[] {
  const op = expr.op;
  if (isSetOp(op)) return setBinop(op, matching, lhs, rhs);
  // For group_right the "many" side is the right one: swap sides, and swap values back below.
  const oneToMany = matching.card === 'one-to-many';
  const [many, one] = oneToMany ? [rhs, lhs] : [lhs, rhs];
  const oneSide = new Map<string, Sample>();
  for (const s of one) {
    const sig = signature(s.labels, matching);
    const dup = oneSide.get(sig);
    if (dup)
      throw new QueryError(
        'execution',
        `found duplicate series for the match group ${describe(matching.on ? s.labels.filter((l) => matching.labels.includes(l.name)) : s.labels)} on the ${oneToMany ? 'left' : 'right'} hand-side of the operation: [${describe(dup.labels)}, ${describe(s.labels)}];many-to-many matching not allowed: matching labels must be unique on one side`,
      );
    oneSide.set(sig, s);
  }
  const comparison = isComparison(op);
  const matched = new Map<string, Set<string> | null>();
  const out: Sample[] = [];
  for (const ls of many) {
    const sig = signature(ls.labels, matching);
    const rs = oneSide.get(sig);
    if (!rs) continue;
    const [l, r] = oneToMany ? [rs.v, ls.v] : [ls.v, rs.v];
    let [v, keep] = scalarBinop(op, l, r);
    if (expr.returnBool) {
      v = keep ? 1 : 0;
      keep = true;
    }
    if (!keep) continue;
    let labels = resultLabels(ls.labels, rs.labels, !comparison || expr.returnBool, matching);
    if (expr.returnBool) labels = dropMetricName(labels);
    if (matching.card === 'one-to-one') {
      if (matched.has(sig))
        throw new QueryError(
          'execution',
          'multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)',
        );
      matched.set(sig, null);
    } else {
      const key = labelsKey(labels);
      let inserted = matched.get(sig);
      if (!inserted) {
        inserted = new Set();
        matched.set(sig, inserted);
      } else if (inserted.has(key)) {
        throw new QueryError(
          'execution',
          'multiple matches for labels: grouping labels must ensure unique matches',
        );
      }
      inserted.add(key);
    }
    out.push({ labels, t, v });
  }
  return out;
}

function resultLabels(many: Labels, one: Labels, dropName: boolean, matching: VectorMatching): Labels {
  let labels: Label[] = dropName ? [...dropMetricName(many)] : [...many];
  if (matching.card === 'one-to-one') {
    labels = matching.on
      ? labels.filter((l) => matching.labels.includes(l.name))
      : labels.filter((l) => !matching.labels.includes(l.name));
  }
  if (matching.include.length > 0) {
    labels = labels.filter((l) => !matching.include.includes(l.name));
    for (const name of matching.include) {
      const value = one.find((l) => l.name === name)?.value;
      if (value) labels.push({ name, value });
    }
    labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
  return labels;
}

function setBinop(
  op: 'and' | 'or' | 'unless',
  matching: VectorMatching,
  lhs: Sample[],
  rhs: Sample[],
): Sample[] {
  const rightSigs = new Set(rhs.map((s) => signature(s.labels, matching)));
  switch (op) {
    case 'and':
      return lhs.filter((s) => rightSigs.has(signature(s.labels, matching)));
    case 'unless':
      return lhs.filter((s) => !rightSigs.has(signature(s.labels, matching)));
    case 'or': {
      const leftSigs = new Set(lhs.map((s) => signature(s.labels, matching)));
      return [...lhs, ...rhs.filter((s) => !leftSigs.has(signature(s.labels, matching)))];
    }
  }
}
