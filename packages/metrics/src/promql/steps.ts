/**
 * Whole-range evaluation for the expressions range queries spend their time on: a function of a
 * range-vector selector, and the simple aggregations over it. Instead of slicing every series at
 * every step, each series is walked once with a window whose two ends only move forward, and the
 * results of all steps land in typed arrays. Values are the ones per-step evaluation computes
 * (same functions, same samples in the same order), so the engine can use either path.
 */
import { dropMetricName, type Labels } from '../labels.js';
import type { SeriesData } from '../querier.js';
import { cachedGrouping, reduce } from './aggregations.js';
import type { AggregateExpr } from './ast.js';
import type { Window, WindowContext, WindowFn } from './functions.js';

/** A series' result at every step: `present[k]` tells whether step k has a sample. */
export interface StepSeries {
  labels: Labels;
  v: Float64Array;
  present: Uint8Array;
}

export interface StepGrid {
  start: number;
  step: number;
  /** Number of steps: start, start + step, … ≤ end. */
  count: number;
}

/** Aggregations `reduce` computes from the group's values alone (no parameter). */
export const STEPWISE_AGGREGATIONS: ReadonlySet<string> = new Set([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
]);

/** The series' samples without staleness markers (range windows never include them). */
function withoutStale(series: SeriesData): { t: Float64Array; v: Float64Array; length: number } {
  const b = series.samples;
  if (!b.hasStale) return b;
  const t = new Float64Array(b.length);
  const v = new Float64Array(b.length);
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    if (b.isStale(i)) continue;
    t[n] = b.t[i]!;
    v[n++] = b.v[i]!;
  }
  return { t, v, length: n };
}

/**
 * `fn` over the left-open window (t - offset - range, t - offset] at every step of the grid.
 * `checkTimeout` is called once per series.
 */
export function windowSteps(
  loaded: readonly SeriesData[],
  fn: WindowFn,
  keepName: boolean,
  selector: { range: number; offset: number },
  grid: StepGrid,
  checkTimeout: () => void,
): StepSeries[] {
  const ctx: WindowContext = { t: 0, range: selector.range, offset: selector.offset };
  const out: StepSeries[] = [];
  for (const series of loaded) {
    checkTimeout();
    const { t, v, length } = withoutStale(series);
    const w: Window = { t, v, lo: 0, hi: 0 };
    const result: StepSeries = {
      labels: keepName ? series.labels : dropMetricName(series.labels),
      v: new Float64Array(grid.count),
      present: new Uint8Array(grid.count),
    };
    let lo = 0;
    let hi = 0;
    for (let k = 0; k < grid.count; k++) {
      const at = grid.start + k * grid.step;
      const end = at - selector.offset;
      const begin = end - selector.range;
      while (hi < length && t[hi]! <= end) hi++;
      while (lo < hi && t[lo]! <= begin) lo++;
      if (hi <= lo) continue;
      w.lo = lo;
      w.hi = hi;
      ctx.t = at;
      const value = fn(w, ctx);
      if (value === undefined) continue;
      result.v[k] = value;
      result.present[k] = 1;
    }
    out.push(result);
  }
  return out;
}

/**
 * An aggregation of `inner` at every step. Each input series' group is found once; at each step
 * a group reduces its members' values in input order, as the per-step aggregation does.
 */
export function aggregateSteps(
  node: AggregateExpr,
  inner: readonly StepSeries[],
  count: number,
): StepSeries[] {
  const groupOf = new Int32Array(inner.length);
  const byKey = new Map<string, number>();
  const groups: StepSeries[] = [];
  inner.forEach((s, i) => {
    const { labels, key } = cachedGrouping(node, s.labels);
    let g = byKey.get(key);
    if (g === undefined) {
      g = groups.length;
      byKey.set(key, g);
      groups.push({ labels, v: new Float64Array(count), present: new Uint8Array(count) });
    }
    groupOf[i] = g;
  });
  const members: number[][] = groups.map(() => []);
  for (let k = 0; k < count; k++) {
    for (let i = 0; i < inner.length; i++) {
      const s = inner[i]!;
      if (s.present[k]) members[groupOf[i]!]!.push(s.v[k]!);
    }
    for (let g = 0; g < groups.length; g++) {
      const values = members[g]!;
      if (values.length === 0) continue;
      groups[g]!.v[k] = reduce(node.op, values, 0);
      groups[g]!.present[k] = 1;
      values.length = 0;
    }
  }
  return groups;
}
