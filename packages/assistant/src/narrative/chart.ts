import { DIMENSIONS, METRICS, type MetricName } from '../semantic/catalog.js';
import type { AnalysisResult } from './results.js';

/** A Vega-Lite v5 specification as plain JSON. */
export type VegaLiteSpec = Record<string, unknown>;

const SCHEMA = 'https://vega.github.io/schema/vega-lite/v5.json';

function axisFormat(metric: MetricName): Record<string, unknown> {
  const unit = METRICS[metric].unit;
  if (unit === 'currency') return { format: '$,.3~s' };
  if (unit === 'percent') return { format: '.1%' };
  return { format: ',.3~s' };
}

const TIME_UNITS = {
  day: 'yearmonthdate',
  week: 'yearweek',
  month: 'yearmonth',
  quarter: 'yearquarter',
  year: 'year',
} as const;

/** A line chart of the result's time series. */
export function timeSeriesChart(result: AnalysisResult): VegaLiteSpec {
  if (!result.series) throw new Error('the result has no time series');
  const { grain, points } = result.series;
  const label = METRICS[result.metric].label;
  return {
    $schema: SCHEMA,
    description: `${label} by ${grain}`,
    title: `${label} by ${grain}`,
    width: 'container',
    data: { values: points.map((p) => ({ period: p.period, value: p.value })) },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: {
      x: { field: 'period', type: 'temporal', timeUnit: TIME_UNITS[grain], title: DIMENSIONS[grain].label },
      y: { field: 'value', type: 'quantitative', title: label, axis: axisFormat(result.metric) },
    },
  };
}

/** A horizontal bar chart of the result's breakdown, largest first. */
export function breakdownChart(result: AnalysisResult): VegaLiteSpec {
  if (!result.breakdown) throw new Error('the result has no breakdown');
  const { dimension, rows } = result.breakdown;
  const label = METRICS[result.metric].label;
  const dimensionLabel = DIMENSIONS[dimension].label;
  return {
    $schema: SCHEMA,
    description: `${label} by ${dimensionLabel.toLowerCase()}`,
    title: `${label} by ${dimensionLabel.toLowerCase()}`,
    width: 'container',
    data: { values: rows.map((r) => ({ member: r.member, value: r.value })) },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      y: { field: 'member', type: 'nominal', title: dimensionLabel, sort: '-x' },
      x: { field: 'value', type: 'quantitative', title: label, axis: axisFormat(result.metric) },
    },
  };
}
