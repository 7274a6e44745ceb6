import { DIMENSIONS, METRICS } from '../semantic/catalog.js';
import { formatPercent, formatPeriod, formatRange, formatValue } from './format.js';
import type { AnalysisResult, BreakdownRow, SeriesPoint } from './results.js';

export const BUILT_IN_ANALYST = 'Parley built-in analyst';

export interface Narrative {
  author: typeof BUILT_IN_ANALYST;
  /** Shown with the text so no one mistakes it for a language model's answer. */
  label: string;
  paragraphs: string[];
  text: string;
}

/** Changes smaller than this (relative) read as "flat". */
const FLAT = 0.005;

const change = (current: number, previous: number): number | undefined =>
  previous === 0 ? undefined : (current - previous) / Math.abs(previous);

function movement(ratio: number | undefined): string {
  if (ratio === undefined) return 'with no earlier value to compare';
  if (Math.abs(ratio) < FLAT) return 'flat';
  return `${ratio > 0 ? 'up' : 'down'} ${formatPercent(ratio)}`;
}

const COMPARISON_NAMES = {
  previous_year: 'the same period a year earlier',
  previous_period: 'the previous period',
  explicit: 'the comparison period',
} as const;

/**
 * Writes a grounded narrative from computed results: every figure in it is a value of the input or
 * a change or share computed from input values; nothing is estimated. This is the embedded default
 * when no language model is configured, and the fallback when one fails.
 */
export function writeNarrative(result: AnalysisResult): Narrative {
  const paragraphs = [headline(result)];
  if (result.series && result.series.points.length >= 2) paragraphs.push(...trend(result));
  if (result.breakdown && result.breakdown.rows.length > 0) paragraphs.push(...contributors(result));
  const label = `Written by the ${BUILT_IN_ANALYST} from the computed results; no language model was used.`;
  return { author: BUILT_IN_ANALYST, label, paragraphs, text: [label, ...paragraphs].join('\n\n') };
}

function headline(result: AnalysisResult): string {
  const metric = METRICS[result.metric].label;
  const value = (v: number) => formatValue(result.metric, v, result.currency);
  const period = formatRange(result.range, result.grain);
  let sentence = `${metric} for ${period} was ${value(result.total)}`;
  if (result.comparison) {
    const { total, kind, range } = result.comparison;
    const name = kind === 'explicit' ? formatRange(range, result.grain) : COMPARISON_NAMES[kind];
    sentence += `, ${movement(change(result.total, total))} from ${value(total)} in ${name}`;
  }
  return `${sentence}.`;
}

/** Least-squares slope of the values against their index. */
function slope(points: SeriesPoint[]): number {
  const n = points.length;
  const meanX = (n - 1) / 2;
  const meanY = points.reduce((sum, p) => sum + p.value, 0) / n;
  let num = 0;
  let den = 0;
  points.forEach((p, i) => {
    num += (i - meanX) * (p.value - meanY);
    den += (i - meanX) ** 2;
  });
  return den === 0 ? 0 : num / den;
}

function trend(result: AnalysisResult): string[] {
  const { points, grain } = result.series!;
  const value = (v: number) => formatValue(result.metric, v, result.currency);
  const label = (p: SeriesPoint) => formatPeriod(p.period, grain);
  const first = points[0]!;
  const last = points[points.length - 1]!;
  const mean = points.reduce((sum, p) => sum + p.value, 0) / points.length;
  // The fitted change across the whole series, relative to the mean, decides the direction.
  const fitted = mean === 0 ? 0 : (slope(points) * (points.length - 1)) / Math.abs(mean);
  const direction =
    Math.abs(fitted) < 0.05 ? 'held broadly steady' : fitted > 0 ? 'trended upward' : 'trended downward';
  const out = [
    `Across ${points.length} ${grain}s, ${METRICS[result.metric].label.toLowerCase()} ${direction}: ` +
      `${value(first.value)} in ${label(first)} against ${value(last.value)} in ${label(last)} ` +
      `(${movement(change(last.value, first.value))}).`,
  ];
  if (points.length >= 3) {
    const high = points.reduce((a, b) => (b.value > a.value ? b : a));
    const low = points.reduce((a, b) => (b.value < a.value ? b : a));
    out.push(
      `The highest ${grain} was ${label(high)} at ${value(high.value)}; the lowest was ${label(low)} at ${value(low.value)}.`,
    );
    const moves = points
      .slice(1)
      .map((p, i) => ({ from: points[i]!, to: p, ratio: change(p.value, points[i]!.value) }))
      .filter(
        (m): m is { from: SeriesPoint; to: SeriesPoint; ratio: number } =>
          m.ratio !== undefined && Math.abs(m.ratio) >= FLAT,
      )
      .sort((a, b) => Math.abs(b.ratio) - Math.abs(a.ratio))
      .slice(0, 2);
    if (moves.length > 0) {
      const describe = (m: (typeof moves)[number]) =>
        `a ${formatPercent(m.ratio)} ${m.ratio > 0 ? 'rise' : 'fall'} from ${label(m.from)} to ${label(m.to)} (${value(m.from.value)} to ${value(m.to.value)})`;
      out.push(
        `The largest ${grain}-on-${grain} move was ${describe(moves[0]!)}${moves[1] ? `, then ${describe(moves[1])}` : ''}.`,
      );
    }
  }
  return out;
}

function contributors(result: AnalysisResult): string[] {
  const { dimension, rows } = result.breakdown!;
  const value = (v: number) => formatValue(result.metric, v, result.currency);
  const sorted = [...rows].sort((a, b) => b.value - a.value);
  // Shares only mean something for additive metrics (not for averages or growth rates).
  const additive =
    METRICS[result.metric].aggregation === 'sum' || METRICS[result.metric].aggregation === 'count_distinct';
  const sum = rows.reduce((s, r) => s + r.value, 0);
  const share = (r: BreakdownRow) =>
    additive && sum > 0 ? `, ${formatPercent(r.value / sum)} of the total shown` : '';
  const by = DIMENSIONS[dimension].label.toLowerCase();
  const top = sorted[0]!;
  let lead = `By ${by}, ${top.member} led with ${value(top.value)}${share(top)}`;
  if (sorted[1]) lead += `, followed by ${sorted[1].member} at ${value(sorted[1].value)}${share(sorted[1])}`;
  const out = [`${lead}.`];
  if (sorted.length >= 3) {
    const bottom = sorted[sorted.length - 1]!;
    out.push(`The smallest ${by} was ${bottom.member} at ${value(bottom.value)}${share(bottom)}.`);
  }
  const changes = rows
    .map((r) => ({ row: r, ratio: r.previous === undefined ? undefined : change(r.value, r.previous) }))
    .filter((c): c is { row: BreakdownRow; ratio: number } => c.ratio !== undefined)
    .sort((a, b) => b.ratio - a.ratio);
  if (changes.length >= 2) {
    const best = changes[0]!;
    const worst = changes[changes.length - 1]!;
    out.push(
      `Against the comparison period, ${best.row.member} moved most favourably (${movement(best.ratio)}) ` +
        `and ${worst.row.member} least (${movement(worst.ratio)}).`,
    );
  }
  return out;
}
