import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../src/classifier/prng.js';
import {
  type AnalysisResult,
  BUILT_IN_ANALYST,
  formatPeriod,
  formatRange,
  writeNarrative,
} from '../../src/narrative/index.js';
import { METRIC_NAMES, type MetricName } from '../../src/semantic/catalog.js';

const MULTIPLIERS: Record<string, number> = { K: 1e3, M: 1e6, B: 1e9, T: 1e12 };

/** Every number written in the text, with date labels of the input's periods removed first. */
function numbersIn(
  text: string,
  result: AnalysisResult,
): { value: number; percent: boolean; token: string }[] {
  const labels = [formatRange(result.range, result.grain)];
  if (result.comparison) labels.push(formatRange(result.comparison.range, result.grain));
  for (const p of result.series?.points ?? []) labels.push(formatPeriod(p.period, result.series!.grain));
  let rest = text;
  for (const label of labels.sort((a, b) => b.length - a.length)) rest = rest.split(label).join(' ');
  return [...rest.matchAll(/-?[$€£]?(\d[\d,]*(?:\.\d+)?)([KMBT])?(%)?/g)].map((m) => ({
    value: Number(m[1]!.replace(/,/g, '')) * (MULTIPLIERS[m[2] ?? ''] ?? 1),
    percent: m[3] === '%',
    token: m[0],
  }));
}

/** Input values, and the changes and shares computable from them: all a grounded text may state. */
function groundTruth(result: AnalysisResult): { amounts: number[]; ratios: number[] } {
  const amounts = [result.total];
  if (result.comparison) amounts.push(result.comparison.total);
  for (const p of result.series?.points ?? []) amounts.push(p.value);
  const rows = result.breakdown?.rows ?? [];
  for (const r of rows) amounts.push(r.value, ...(r.previous === undefined ? [] : [r.previous]));
  const ratios: number[] = [];
  // The number of periods in the series is input too ("across 12 months").
  const counts = result.series ? [result.series.points.length] : [];
  for (const a of amounts) for (const b of amounts) if (b !== 0) ratios.push(Math.abs((a - b) / b));
  const sum = rows.reduce((s, r) => s + r.value, 0);
  if (sum > 0) for (const r of rows) ratios.push(Math.abs(r.value / sum));
  if (result.metric === 'growth') ratios.push(...amounts.map(Math.abs));
  return { amounts: [...amounts, ...counts], ratios };
}

function assertGrounded(result: AnalysisResult): void {
  const text = writeNarrative(result).text;
  const truth = groundTruth(result);
  for (const n of numbersIn(text, result)) {
    const grounded = n.percent
      ? truth.ratios.some((r) => Math.abs(r * 100 - n.value) <= 0.05 + 1e-9)
      : truth.amounts.some((a) => Math.abs(Math.abs(a) - n.value) <= Math.abs(a) * 0.005 + 0.5);
    expect(grounded, `"${n.token}" in: ${text}`).toBe(true);
  }
}

const quarterly: AnalysisResult = {
  metric: 'revenue',
  range: { start: '2025-07-01', end: '2025-10-01' },
  grain: 'quarter',
  total: 1_234_567,
  comparison: { kind: 'previous_year', range: { start: '2024-07-01', end: '2024-10-01' }, total: 1_098_000 },
  series: {
    grain: 'month',
    points: [
      { period: '2025-07-01', value: 380_000 },
      { period: '2025-08-01', value: 402_567 },
      { period: '2025-09-01', value: 452_000 },
    ],
  },
  breakdown: {
    dimension: 'region',
    rows: [
      { member: 'EMEA', value: 560_000, previous: 500_000 },
      { member: 'APAC', value: 410_567, previous: 420_000 },
      { member: 'North America', value: 220_000, previous: 150_000 },
      { member: 'LATAM', value: 44_000, previous: 28_000 },
    ],
  },
};

describe('writeNarrative', () => {
  it('is labelled as the built-in analyst', () => {
    const narrative = writeNarrative(quarterly);
    expect(narrative.author).toBe(BUILT_IN_ANALYST);
    expect(narrative.text.startsWith(narrative.label)).toBe(true);
    expect(narrative.label).toMatch(/built-in analyst.*no language model/);
  });

  it('states the total, growth, trend, extremes and contributors', () => {
    const text = writeNarrative(quarterly).text;
    expect(text).toContain(
      'Revenue for Q3 2025 was $1.23M, up 12.4% from $1.1M in the same period a year earlier.',
    );
    expect(text).toContain('trended upward');
    expect(text).toContain('The highest month was Sep 2025 at $452K; the lowest was Jul 2025 at $380K.');
    expect(text).toContain('The largest month-on-month move was a 12.3% rise from Aug 2025 to Sep 2025');
    expect(text).toContain('By region, EMEA led with $560K, 45.4% of the total shown, followed by APAC');
    expect(text).toContain('The smallest region was LATAM at $44K');
    expect(text).toContain('LATAM moved most favourably (up 57.1%) and APAC least (down 2.2%)');
  });

  it('says when a series is falling or flat', () => {
    const falling = {
      ...quarterly,
      series: {
        grain: 'month' as const,
        points: [9, 7, 5, 3].map((v, i) => ({ period: `2025-0${i + 1}-01`, value: v * 1000 })),
      },
    };
    expect(writeNarrative(falling).text).toContain('trended downward');
    const flat = {
      ...quarterly,
      series: {
        grain: 'month' as const,
        points: [5, 5.01, 4.99, 5].map((v, i) => ({ period: `2025-0${i + 1}-01`, value: v * 1000 })),
      },
    };
    expect(writeNarrative(flat).text).toContain('held broadly steady');
  });

  it('handles zero comparisons and lone values without inventing a change', () => {
    const text = writeNarrative({
      metric: 'orders',
      range: { start: '2025-11-21', end: '2025-11-22' },
      grain: 'day',
      total: 120,
      comparison: { kind: 'previous_period', range: { start: '2025-11-20', end: '2025-11-21' }, total: 0 },
    }).text;
    expect(text).toContain(
      'Orders for Nov 21, 2025 was 120, with no earlier value to compare from 0 in the previous period.',
    );
  });

  it('does not give shares of an average', () => {
    const text = writeNarrative({
      ...quarterly,
      metric: 'average_order_value',
      total: 84.5,
      comparison: undefined,
      series: undefined,
    }).text;
    expect(text).not.toContain('of the total shown');
  });

  it('writes only numbers that come from the input (fixed example)', () => {
    assertGrounded(quarterly);
  });

  it('writes only numbers that come from the input (500 random results)', () => {
    const random = mulberry32(42);
    const amount = () =>
      Math.round(random() ** 2 * 10 ** (1 + Math.floor(random() * 7)) * (random() < 0.1 ? -1 : 1));
    for (let i = 0; i < 500; i++) {
      const metric: MetricName = METRIC_NAMES[Math.floor(random() * METRIC_NAMES.length)]!;
      const months = 2 + Math.floor(random() * 22);
      const result: AnalysisResult = {
        metric,
        range: { start: '2024-01-01', end: '2025-01-01' },
        grain: 'year',
        total: metric === 'growth' ? random() - 0.3 : amount(),
        ...(random() < 0.7
          ? {
              comparison: {
                kind: 'previous_year',
                range: { start: '2023-01-01', end: '2024-01-01' },
                total: amount(),
              },
            }
          : {}),
        ...(random() < 0.8
          ? {
              series: {
                grain: 'month',
                points: Array.from({ length: months }, (_, m) => ({
                  period: `${2023 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}-01`,
                  value: amount(),
                })),
              },
            }
          : {}),
        ...(random() < 0.8
          ? {
              breakdown: {
                dimension: 'channel',
                rows: Array.from({ length: 1 + Math.floor(random() * 6) }, (_, r) => ({
                  member: `Channel ${String.fromCharCode(65 + r)}`,
                  value: amount(),
                  ...(random() < 0.5 ? { previous: amount() } : {}),
                })),
              },
            }
          : {}),
      };
      assertGrounded(result);
    }
  });
});
