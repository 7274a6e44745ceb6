import { writeNarrative } from '../narrative/analyst.js';
import { breakdownChart, timeSeriesChart, type VegaLiteSpec } from '../narrative/chart.js';
import { formatRange } from '../narrative/format.js';
import type { AnalysisResult } from '../narrative/results.js';
import { DIMENSIONS, isTimeGrain, METRICS } from '../semantic/catalog.js';
import type { QueryPlan } from '../semantic/plan.js';
import { baseOf, growth, metricValue } from './measures.js';
import type { PlanResult } from './run.js';

export interface AnswerTable {
  columns: string[];
  rows: (string | number | null)[][];
}

export interface Presentation {
  text: string;
  table?: AnswerTable;
  chart?: VegaLiteSpec;
  /** The computed numbers the text was written from: what a language model may narrate afresh. */
  analysis: AnalysisResult;
}

const round = (value: number) => Math.round(value * 100) / 100;

/** The metric the headline and chart are about: the first one, or the one growth is of. */
function primaryMetric(plan: QueryPlan) {
  return baseOf(plan.metrics[0]!);
}

/** The computed numbers as the built-in analyst and the charts read them. */
export function analysisOf(plan: QueryPlan, result: PlanResult): AnalysisResult {
  const metric = primaryMetric(plan);
  const analysis: AnalysisResult = {
    metric,
    range: { start: plan.timeRange.start, end: plan.timeRange.end },
    grain: plan.timeRange.grain,
    total: metricValue(metric, result.total),
  };
  if (plan.comparison && result.previousTotal) {
    analysis.comparison = {
      kind: plan.comparison.kind,
      range: plan.comparison.range,
      total: metricValue(metric, result.previousTotal),
    };
  }
  const [only] = plan.dimensions;
  if (plan.dimensions.length === 1 && only !== undefined) {
    if (isTimeGrain(only)) {
      analysis.series = {
        grain: only,
        points: result.rows.map((r) => ({ period: r.members[0]!, value: metricValue(metric, r.current) })),
      };
    } else {
      analysis.breakdown = {
        dimension: only,
        rows: result.rows.map((r) => ({
          member: r.members[0]!,
          value: metricValue(metric, r.current),
          ...(r.previous ? { previous: metricValue(metric, r.previous) } : {}),
        })),
      };
    }
  }
  return analysis;
}

/** One row per group (or the total): dimension members, then each metric, then comparison columns. */
export function tableOf(plan: QueryPlan, result: PlanResult): AnswerTable {
  const columns = plan.dimensions.map((d) => DIMENSIONS[d].label);
  const hasPrevious =
    plan.comparison !== undefined && (plan.dimensions.length === 0 || result.rows[0]?.previous !== undefined);
  for (const metric of plan.metrics) {
    if (metric.name === 'growth') {
      if (hasPrevious) columns.push(`${METRICS[metric.of].label} growth`);
      continue;
    }
    columns.push(METRICS[metric.name].label);
    if (hasPrevious) columns.push(`${METRICS[metric.name].label} (comparison)`);
  }
  const line = (members: string[], current: PlanResult['total'], previous?: PlanResult['total']) => {
    const cells: (string | number | null)[] = [...members];
    for (const metric of plan.metrics) {
      const base = baseOf(metric);
      const now = metricValue(base, current);
      const before = previous ? metricValue(base, previous) : undefined;
      if (metric.name === 'growth') {
        if (hasPrevious) cells.push(before === undefined ? null : (growth(now, before) ?? null));
        continue;
      }
      cells.push(round(now));
      if (hasPrevious) cells.push(before === undefined ? null : round(before));
    }
    return cells;
  };
  const rows =
    plan.dimensions.length === 0
      ? [line([], result.total, result.previousTotal)]
      : result.rows.map((r) => line(r.members, r.current, r.previous));
  return { columns, rows };
}

/** A chart for any shape of result: a line over time, bars per member, colours for a second dimension. */
export function chartOf(
  plan: QueryPlan,
  analysis: AnalysisResult,
  table: AnswerTable,
): VegaLiteSpec | undefined {
  if (analysis.series) return timeSeriesChart(analysis);
  if (analysis.breakdown) return breakdownChart(analysis);
  if (plan.dimensions.length < 2) return undefined;
  const [first, second] = plan.dimensions as [keyof typeof DIMENSIONS, keyof typeof DIMENSIONS];
  const label = METRICS[analysis.metric].label;
  const valueColumn = plan.dimensions.length;
  const values = table.rows.map((row) => ({ a: row[0], b: row[1], value: row[valueColumn] }));
  const time = isTimeGrain(first) ? first : isTimeGrain(second) ? second : undefined;
  const [x, color] = time === second ? ['b', 'a'] : ['a', 'b'];
  const colorDimension = time === second ? first : second;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `${label} by ${plan.dimensions.map((d) => DIMENSIONS[d].label.toLowerCase()).join(' and ')}`,
    width: 'container',
    data: { values },
    mark: time ? { type: 'line', point: true, tooltip: true } : { type: 'bar', tooltip: true },
    encoding: {
      [time ? 'x' : 'y']: time
        ? { field: x, type: 'temporal', title: DIMENSIONS[time].label }
        : { field: x, type: 'nominal', title: DIMENSIONS[first].label },
      [time ? 'y' : 'x']: { field: 'value', type: 'quantitative', title: label, aggregate: 'sum' },
      color: { field: color, type: 'nominal', title: DIMENSIONS[colorDimension].label },
    },
  };
}

/** The answer's text, table and chart from the computed numbers; the text is the built-in analyst's. */
export function present(plan: QueryPlan, result: PlanResult): Presentation {
  const analysis = analysisOf(plan, result);
  const table = tableOf(plan, result);
  const chart = chartOf(plan, analysis, table);
  const paragraphs = [writeNarrative(analysis).text];
  if (result.rows.length === 0 && plan.dimensions.length > 0)
    paragraphs.push(`No sales matched for ${formatRange(plan.timeRange, plan.timeRange.grain)}.`);
  if (result.truncated) paragraphs.push(`The table shows the first ${result.rows.length} rows.`);
  return { text: paragraphs.join('\n\n'), table, ...(chart ? { chart } : {}), analysis };
}
