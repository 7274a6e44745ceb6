import type { MetricName } from '../semantic/catalog.js';
import type { PlanMetric } from '../semantic/plan.js';

/** The additive quantities the warehouse aggregates; every metric is computed from these. */
export const MEASURES = ['revenue', 'units', 'orders', 'margin'] as const;
export type Measure = (typeof MEASURES)[number];
export type MeasureValues = Record<Measure, number>;

type BaseMetric = Exclude<MetricName, 'growth'>;

const MEASURES_OF: Record<BaseMetric, readonly Measure[]> = {
  revenue: ['revenue'],
  units: ['units'],
  orders: ['orders'],
  margin: ['margin'],
  average_order_value: ['revenue', 'orders'],
};

/** The metric a plan metric is about: growth is the growth of another metric. */
export function baseOf(metric: PlanMetric): BaseMetric {
  return metric.name === 'growth' ? metric.of : metric.name;
}

/** The measures a plan's metrics need, each once, in a fixed order. */
export function measuresFor(metrics: readonly PlanMetric[]): Measure[] {
  const needed = new Set(metrics.flatMap((m) => MEASURES_OF[baseOf(m)]));
  return MEASURES.filter((m) => needed.has(m));
}

/** A metric's value from aggregated measures; a ratio over zero orders is 0. */
export function metricValue(metric: BaseMetric, values: MeasureValues): number {
  if (metric === 'average_order_value') return values.orders === 0 ? 0 : values.revenue / values.orders;
  return values[metric];
}

/** Relative change, or undefined when there is nothing to grow from. */
export function growth(current: number, previous: number): number | undefined {
  return previous === 0 ? undefined : (current - previous) / Math.abs(previous);
}
