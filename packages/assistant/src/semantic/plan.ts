import { ProblemError } from '@parley/kit';
import type { ComparisonKind } from '../slots/comparison.js';
import type { DateRange } from '../slots/time.js';
import type { AttributeDimension, DimensionName, MetricName, TimeGrain } from './catalog.js';

export type AnalyticsIntent = 'metric_query' | 'breakdown' | 'trend_summary' | 'report_request';
export const ANALYTICS_INTENTS: readonly AnalyticsIntent[] = [
  'metric_query',
  'breakdown',
  'trend_summary',
  'report_request',
];

/** A metric in a plan; `growth` names the metric it is the growth of. */
export type PlanMetric =
  | { name: Exclude<MetricName, 'growth'> }
  | { name: 'growth'; of: Exclude<MetricName, 'growth'> };

export interface PlanFilter {
  dimension: AttributeDimension;
  /** Canonical values from the tenant's own data (never the user's spelling). */
  values: string[];
}

export interface PlanOrder {
  /** A metric name of the plan, or one of its dimensions. */
  field: MetricName | DimensionName;
  direction: 'asc' | 'desc';
}

/**
 * What to compute, as names from the semantic layer and values from the tenant's data: the SQL
 * compiler maps names to expressions and passes values as parameters, so no user text reaches SQL.
 */
export interface QueryPlan {
  intent: AnalyticsIntent;
  metrics: PlanMetric[];
  dimensions: DimensionName[];
  filters: PlanFilter[];
  timeRange: DateRange & { grain: TimeGrain };
  comparison?: { kind: ComparisonKind; range: DateRange };
  orderBy: PlanOrder[];
  limit?: number;
  /** `customer` when the plan reads customer-level detail (needs `sales:query_detail`). */
  detailLevel: 'aggregate' | 'customer';
}

export type PlanRejection =
  | 'not_analytics'
  | 'unknown_metric'
  | 'unknown_dimension'
  | 'missing_dimension'
  | 'limit_exceeded'
  | 'too_many'
  | 'invalid_time_range'
  | 'invalid_filter';

/** A question the semantic layer cannot answer as asked; `reason` lets the assistant ask back. */
export class PlanError extends ProblemError {
  readonly reason: PlanRejection;

  constructor(reason: PlanRejection, detail: string) {
    super('assistant-plan-rejected', 422, 'The question cannot be answered as asked', detail, { reason });
    this.name = 'PlanError';
    this.reason = reason;
  }
}
