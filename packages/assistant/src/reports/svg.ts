import { formatPeriod, formatValue } from '../narrative/format.js';
import type { AnalysisResult } from '../narrative/results.js';
import { DIMENSIONS, METRICS } from '../semantic/catalog.js';
import { escapeHtml as esc } from './escape.js';

/**
 * Charts as inline SVG drawn from the computed numbers: no script, no fonts or images fetched, so
 * the report renders the same offline and in a sandbox. Every label is escaped.
 */

const WIDTH = 720;
const FONT = 'font-family="system-ui, sans-serif" font-size="11" fill="#333"';
/** Bars drawn at most; the table holds every row. */
export const MAX_BARS = 30;

/** Scale of [lo, hi] (always including 0) onto [a, b], with about five round ticks. */
function scale(values: readonly number[], a: number, b: number) {
  let lo = Math.min(0, ...values);
  let hi = Math.max(0, ...values);
  if (lo === hi) hi = lo + 1;
  const step = niceStep((hi - lo) / 5);
  lo = Math.floor(lo / step) * step;
  hi = Math.ceil(hi / step) * step;
  const at = (v: number) => a + ((v - lo) / (hi - lo)) * (b - a);
  const ticks: number[] = [];
  for (let v = lo; v <= hi + step / 2; v += step) ticks.push(Math.abs(v) < step / 1e6 ? 0 : v);
  return { at, ticks };
}

function niceStep(raw: number): number {
  const power = 10 ** Math.floor(Math.log10(raw));
  const m = raw / power;
  return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * power;
}

const n = (v: number) => Math.round(v * 10) / 10;

/** A line chart of the series, or a bar chart of the breakdown; undefined when the result has neither. */
export function chartSvg(result: AnalysisResult): string | undefined {
  if (result.series && result.series.points.length > 0) return lineChart(result);
  if (result.breakdown && result.breakdown.rows.length > 0) return barChart(result);
  return undefined;
}

function lineChart(result: AnalysisResult): string {
  const { grain, points } = result.series!;
  const label = METRICS[result.metric].label;
  const title = `${label} by ${grain}`;
  const height = 300;
  const left = 80;
  const right = WIDTH - 20;
  const top = 20;
  const bottom = height - 50;
  const y = scale(
    points.map((p) => p.value),
    bottom,
    top,
  );
  const x = (i: number) =>
    points.length === 1 ? (left + right) / 2 : left + (i * (right - left)) / (points.length - 1);
  const grid = y.ticks
    .map(
      (t) =>
        `<line x1="${left}" x2="${right}" y1="${n(y.at(t))}" y2="${n(y.at(t))}" stroke="#e3e3e3"/>` +
        `<text x="${left - 6}" y="${n(y.at(t) + 4)}" text-anchor="end" ${FONT}>${esc(formatValue(result.metric, t))}</text>`,
    )
    .join('');
  // At most about eight period labels, evenly spaced, always the first and last.
  const every = Math.max(1, Math.ceil(points.length / 8));
  const labels = points
    .map((p, i) =>
      i % every === 0 || i === points.length - 1
        ? `<text x="${n(x(i))}" y="${bottom + 18}" text-anchor="middle" ${FONT}>${esc(formatPeriod(p.period, grain))}</text>`
        : '',
    )
    .join('');
  const line = points.map((p, i) => `${n(x(i))},${n(y.at(p.value))}`).join(' ');
  const dots = points
    .map(
      (p, i) =>
        `<circle cx="${n(x(i))}" cy="${n(y.at(p.value))}" r="3" fill="#1f6feb"><title>${esc(
          `${formatPeriod(p.period, grain)}: ${formatValue(result.metric, p.value)}`,
        )}</title></circle>`,
    )
    .join('');
  return svg(
    height,
    title,
    `${grid}${labels}<polyline points="${line}" fill="none" stroke="#1f6feb" stroke-width="2"/>${dots}`,
  );
}

function barChart(result: AnalysisResult): string {
  const { dimension, rows: all } = result.breakdown!;
  const rows = [...all].sort((a, b) => b.value - a.value).slice(0, MAX_BARS);
  const label = METRICS[result.metric].label;
  const title = `${label} by ${DIMENSIONS[dimension].label.toLowerCase()}${all.length > rows.length ? ` (top ${rows.length} of ${all.length})` : ''}`;
  const band = 22;
  const top = 10;
  const left = 200;
  const right = WIDTH - 90;
  const height = top + rows.length * band + 30;
  const x = scale(
    rows.map((r) => r.value),
    left,
    right,
  );
  const zero = x.at(0);
  const bars = rows
    .map((r, i) => {
      const yTop = top + i * band;
      const end = x.at(r.value);
      const value = formatValue(result.metric, r.value);
      const name = r.member.length > 32 ? `${r.member.slice(0, 31)}…` : r.member;
      return (
        `<text x="${left - 6}" y="${yTop + 15}" text-anchor="end" ${FONT}>${esc(name)}</text>` +
        `<rect x="${n(Math.min(zero, end))}" y="${yTop + 3}" width="${n(Math.abs(end - zero))}" height="${band - 6}" fill="#1f6feb"><title>${esc(`${r.member}: ${value}`)}</title></rect>` +
        `<text x="${n(Math.max(zero, end) + 4)}" y="${yTop + 15}" ${FONT}>${esc(value)}</text>`
      );
    })
    .join('');
  const axis = `<line x1="${n(zero)}" x2="${n(zero)}" y1="${top}" y2="${top + rows.length * band}" stroke="#999"/>`;
  return svg(height, title, `${axis}${bars}`);
}

function svg(height: number, title: string, body: string): string {
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(title)}"><title>${esc(title)}</title>${body}</svg>`;
}
