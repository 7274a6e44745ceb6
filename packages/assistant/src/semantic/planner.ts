import type { Intent } from '../classifier/intents.js';
import { dayFromMillis, parseIsoDate } from '../slots/calendar.js';
import { resolveComparison } from '../slots/comparison.js';
import type { Slots } from '../slots/extract.js';
import { Scan } from '../slots/scan.js';
import { type TimeSlot, takeTime } from '../slots/time.js';
import {
  type AttributeDimension,
  DIMENSIONS,
  type DimensionName,
  isDimensionName,
  isMetricName,
  isTimeGrain,
  type MetricName,
  TIME_GRAINS,
  type TimeGrain,
} from './catalog.js';
import { PLAN_LIMITS } from './limits.js';
import {
  ANALYTICS_INTENTS,
  type AnalyticsIntent,
  PlanError,
  type PlanFilter,
  type PlanMetric,
  type QueryPlan,
} from './plan.js';

type BaseMetric = Exclude<MetricName, 'growth'>;

/** The time range when the question names none: a trend reads the last 12 months, anything else the year to date. */
function defaultTime(intent: AnalyticsIntent, today: number): TimeSlot {
  return takeTime(new Scan(intent === 'trend_summary' ? 'last 12 months' : 'ytd'), today)!;
}

/** A series grain that gives a readable number of points for the range. */
export function seriesGrain(range: { start: string; end: string }): TimeGrain {
  const days = parseIsoDate(range.end)! - parseIsoDate(range.start)!;
  if (days <= 31) return 'day';
  if (days <= 190) return 'week';
  if (days <= 1100) return 'month';
  return 'quarter';
}

/**
 * Turns a routed intent and its slots into a validated query plan, or refuses with a PlanError that
 * says what is missing or not allowed. `today` comes from the caller's clock (ms since epoch).
 */
export function planQuery(intent: Intent, slots: Slots, now: number): QueryPlan {
  if (!(ANALYTICS_INTENTS as readonly string[]).includes(intent)) {
    throw new PlanError('not_analytics', `"${intent}" is not a sales analytics question`);
  }
  const analytics = intent as AnalyticsIntent;
  const today = dayFromMillis(now);
  if (slots.unknownDimensions.length > 0) {
    throw new PlanError(
      'unknown_dimension',
      `sales cannot be broken down by ${slots.unknownDimensions.join(', ')}; known dimensions: ${Object.keys(DIMENSIONS).join(', ')}`,
    );
  }

  const time = slots.time ?? defaultTime(analytics, today);
  let comparison = slots.comparison ? resolveComparison(slots.comparison, time, today) : undefined;

  const named = slots.metrics.filter((m): m is BaseMetric => m !== 'growth');
  const base: BaseMetric[] = named.length > 0 ? named : ['revenue'];
  const metrics: PlanMetric[] = base.map((name) => ({ name }));
  if (slots.metrics.includes('growth')) {
    metrics.push({ name: 'growth', of: base[0]! });
    // Growth needs something to grow from: the previous period unless the question said otherwise.
    comparison ??= resolveComparison({ kind: 'previous_period', text: 'growth' }, time, today);
  }

  const dimensions: DimensionName[] = [...slots.dimensions];
  if (slots.comparison?.grain && !dimensions.includes(slots.comparison.grain))
    dimensions.push(slots.comparison.grain);
  if (analytics === 'trend_summary' && !dimensions.some(isTimeGrain)) dimensions.unshift(seriesGrain(time));
  if (analytics === 'breakdown' && dimensions.length === 0) {
    throw new PlanError(
      'missing_dimension',
      'a breakdown needs a dimension, e.g. "by region" or "per channel"',
    );
  }
  if (slots.topN && !slots.topN.dimension && dimensions.length === 0) {
    throw new PlanError(
      'missing_dimension',
      `"${slots.topN.direction}" needs something to rank, e.g. "top 5 products"`,
    );
  }

  const filters = new Map<AttributeDimension, string[]>();
  for (const { dimension, value } of slots.values) {
    const values = filters.get(dimension) ?? [];
    if (!values.includes(value)) values.push(value);
    filters.set(dimension, values);
  }

  const ranked = slots.topN;
  const limit = ranked ? (ranked.n ?? PLAN_LIMITS.defaultTopN) : undefined;
  const timeDimension = dimensions.find(isTimeGrain);
  const orderBy: QueryPlan['orderBy'] = ranked
    ? [{ field: base[0]!, direction: ranked.direction === 'top' ? 'desc' : 'asc' }]
    : timeDimension
      ? [{ field: timeDimension, direction: 'asc' }]
      : dimensions.length > 0
        ? [{ field: base[0]!, direction: 'desc' }]
        : [];

  return validatePlan({
    intent: analytics,
    metrics,
    dimensions,
    filters: [...filters].map(([dimension, values]) => ({ dimension, values })),
    timeRange: { start: time.start, end: time.end, grain: time.grain },
    ...(comparison?.range ? { comparison: { kind: comparison.kind, range: comparison.range } } : {}),
    orderBy,
    ...(limit !== undefined ? { limit } : {}),
    detailLevel: 'aggregate',
  });
}

function checkRange(range: { start: string; end: string }, what: string): void {
  const start = parseIsoDate(range.start);
  const end = parseIsoDate(range.end);
  if (start === undefined || end === undefined || start >= end) {
    throw new PlanError('invalid_time_range', `${what} must be ISO dates with start before end`);
  }
  if (end - start > PLAN_LIMITS.maxRangeDays) {
    throw new PlanError('invalid_time_range', `${what} spans more than ${PLAN_LIMITS.maxRangeDays} days`);
  }
}

/**
 * Checks a plan against the semantic layer and the limits, and sets its detail level. Plans built
 * elsewhere (a saved report, an API client) go through the same check.
 */
export function validatePlan(plan: QueryPlan): QueryPlan {
  if (plan.metrics.length === 0 || plan.metrics.length > PLAN_LIMITS.maxMetrics) {
    throw new PlanError('too_many', `a plan has 1 to ${PLAN_LIMITS.maxMetrics} metrics`);
  }
  for (const metric of plan.metrics) {
    if (!isMetricName(metric.name))
      throw new PlanError('unknown_metric', `unknown metric "${String(metric.name)}"`);
    if (metric.name === 'growth' && (!isMetricName(metric.of) || metric.of === ('growth' as MetricName))) {
      throw new PlanError('unknown_metric', 'growth must name the metric it is the growth of');
    }
  }
  if (plan.metrics.some((m) => m.name === 'growth') && !plan.comparison) {
    throw new PlanError('invalid_time_range', 'growth needs a comparison range');
  }
  if (plan.dimensions.length > PLAN_LIMITS.maxDimensions) {
    throw new PlanError('too_many', `a plan groups by at most ${PLAN_LIMITS.maxDimensions} dimensions`);
  }
  for (const dimension of plan.dimensions) {
    if (!isDimensionName(dimension))
      throw new PlanError('unknown_dimension', `unknown dimension "${String(dimension)}"`);
  }
  if (plan.dimensions.filter(isTimeGrain).length > 1) {
    throw new PlanError('too_many', `group by one time grain at most (${TIME_GRAINS.join(', ')})`);
  }
  for (const filter of plan.filters) checkFilter(filter);
  checkRange(plan.timeRange, 'the time range');
  if (!isTimeGrain(plan.timeRange.grain)) throw new PlanError('invalid_time_range', 'unknown time grain');
  if (plan.comparison) checkRange(plan.comparison.range, 'the comparison range');
  if (
    plan.limit !== undefined &&
    (!Number.isInteger(plan.limit) || plan.limit < 1 || plan.limit > PLAN_LIMITS.maxLimit)
  ) {
    throw new PlanError(
      'limit_exceeded',
      `the limit must be a whole number from 1 to ${PLAN_LIMITS.maxLimit}`,
    );
  }
  const fields = new Set<string>([...plan.metrics.map((m) => m.name), ...plan.dimensions]);
  for (const order of plan.orderBy) {
    if (!fields.has(order.field))
      throw new PlanError('unknown_metric', `cannot order by "${order.field}": not in the plan`);
  }
  const detail =
    plan.dimensions.some((d) => DIMENSIONS[d].detail) ||
    plan.filters.some((f) => DIMENSIONS[f.dimension].detail);
  return { ...plan, detailLevel: detail ? 'customer' : 'aggregate' };
}

function checkFilter(filter: PlanFilter): void {
  if (!isDimensionName(filter.dimension) || DIMENSIONS[filter.dimension].kind !== 'attribute') {
    throw new PlanError('invalid_filter', `cannot filter on "${String(filter.dimension)}"`);
  }
  if (filter.values.length === 0 || filter.values.length > PLAN_LIMITS.maxFilterValues) {
    throw new PlanError('invalid_filter', `a filter has 1 to ${PLAN_LIMITS.maxFilterValues} values`);
  }
  for (const value of filter.values) {
    if (typeof value !== 'string' || value.length === 0 || value.length > PLAN_LIMITS.maxValueLength) {
      throw new PlanError(
        'invalid_filter',
        `filter values are non-empty strings of at most ${PLAN_LIMITS.maxValueLength} characters`,
      );
    }
  }
}

/** Permissions a caller needs for a plan: detail and reports need more than aggregates. */
export function requiredPermissions(plan: QueryPlan): string[] {
  const permissions = ['sales:query'];
  if (plan.detailLevel === 'customer') permissions.push('sales:query_detail');
  if (plan.intent === 'report_request') permissions.push('reports:generate');
  return permissions;
}
