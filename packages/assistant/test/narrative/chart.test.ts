import { compile, type TopLevelSpec } from 'vega-lite';
import { describe, expect, it } from 'vitest';
import { type AnalysisResult, breakdownChart, timeSeriesChart } from '../../src/narrative/index.js';

const result: AnalysisResult = {
  metric: 'revenue',
  range: { start: '2025-01-01', end: '2025-04-01' },
  grain: 'quarter',
  total: 300,
  series: {
    grain: 'month',
    points: [
      { period: '2025-01-01', value: 100 },
      { period: '2025-02-01', value: 90 },
      { period: '2025-03-01', value: 110 },
    ],
  },
  breakdown: {
    dimension: 'channel',
    rows: [
      { member: 'Webshop', value: 200 },
      { member: 'Retail', value: 100 },
    ],
  },
};

describe('Vega-Lite charts', () => {
  it('builds a line chart of the series that Vega-Lite compiles', () => {
    const spec = timeSeriesChart(result);
    expect(spec).toMatchObject({
      mark: { type: 'line' },
      encoding: { x: { field: 'period', type: 'temporal', timeUnit: 'yearmonth' } },
    });
    expect((spec.data as { values: unknown[] }).values).toEqual(result.series!.points);
    const compiled = compile(spec as unknown as TopLevelSpec).spec;
    expect(JSON.stringify(compiled)).toContain('"type":"line"');
  });

  it('builds a bar chart of the breakdown that Vega-Lite compiles', () => {
    const spec = breakdownChart(result);
    expect(spec).toMatchObject({ mark: { type: 'bar' }, encoding: { y: { field: 'member', sort: '-x' } } });
    expect((spec.data as { values: unknown[] }).values).toEqual([
      { member: 'Webshop', value: 200 },
      { member: 'Retail', value: 100 },
    ]);
    expect(JSON.stringify(compile(spec as unknown as TopLevelSpec).spec)).toContain('"type":"rect"');
  });

  it('refuses results without the data to chart', () => {
    expect(() => timeSeriesChart({ ...result, series: undefined })).toThrow(/no time series/);
    expect(() => breakdownChart({ ...result, breakdown: undefined })).toThrow(/no breakdown/);
  });
});
