import { type SQL, sql } from 'drizzle-orm';
import {
  type AttributeDimension,
  type DimensionName,
  isTimeGrain,
  type TimeGrain,
} from '../semantic/catalog.js';
import type { PlanFilter, QueryPlan } from '../semantic/plan.js';
import type { DateRange } from '../slots/time.js';
import { baseOf, type Measure, measuresFor } from './measures.js';

/**
 * Compiles a validated query plan to SQL over the sales warehouse. Every piece of SQL text here is
 * a constant chosen by a semantic-layer name; every value (tenant, dates, filter members, limit)
 * is a bind parameter. Nothing from the question's text reaches the SQL.
 */

/** How a group key is read from a fact row, and the dimension table that names its members. */
interface AttributeSql {
  key: SQL;
  /** Needs the product (or customer) row joined to the fact before aggregating. */
  join?: 'product' | 'customer';
  names: SQL;
}

const ATTRIBUTES: Record<AttributeDimension, AttributeSql> = {
  region: { key: sql`f.region_id`, names: sql`sales_regions` },
  channel: { key: sql`f.channel_id`, names: sql`sales_channels` },
  product: { key: sql`f.product_id`, names: sql`sales_products` },
  customer: { key: sql`f.customer_id`, names: sql`sales_customers` },
  category: { key: sql`p.category_id`, join: 'product', names: sql`sales_categories` },
  segment: { key: sql`cu.segment_id`, join: 'customer', names: sql`sales_segments` },
};

const TIME_KEYS: Record<TimeGrain, SQL> = {
  day: sql`f.sale_date`,
  week: sql`date_trunc('week', f.sale_date)::date`,
  month: sql`date_trunc('month', f.sale_date)::date`,
  quarter: sql`date_trunc('quarter', f.sale_date)::date`,
  year: sql`date_trunc('year', f.sale_date)::date`,
};

const MEASURE_SQL: Record<Measure, SQL> = {
  revenue: sql`sum(f.revenue)`,
  units: sql`sum(f.units)`,
  orders: sql`count(DISTINCT f.order_id)`,
  margin: sql`sum(f.revenue - f.cost)`,
};

const JOINS = {
  product: sql`JOIN sales_products p ON p.tenant_id = f.tenant_id AND p.id = f.product_id`,
  customer: sql`JOIN sales_customers cu ON cu.tenant_id = f.tenant_id AND cu.id = f.customer_id`,
} as const;

const list = (values: readonly string[]) =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );

/** A filter on member names, as a semi-join on the fact's own key (so the fact indexes apply). */
function filterSql(tenantId: string, filter: PlanFilter): SQL {
  const names = list(filter.values);
  switch (filter.dimension) {
    case 'region':
      return sql`f.region_id IN (SELECT id FROM sales_regions WHERE tenant_id = ${tenantId} AND name IN (${names}))`;
    case 'channel':
      return sql`f.channel_id IN (SELECT id FROM sales_channels WHERE tenant_id = ${tenantId} AND name IN (${names}))`;
    case 'product':
      return sql`f.product_id IN (SELECT id FROM sales_products WHERE tenant_id = ${tenantId} AND name IN (${names}))`;
    case 'customer':
      return sql`f.customer_id IN (SELECT id FROM sales_customers WHERE tenant_id = ${tenantId} AND name IN (${names}))`;
    case 'category':
      return sql`f.product_id IN (SELECT p2.id FROM sales_products p2 JOIN sales_categories c2 ON c2.tenant_id = p2.tenant_id AND c2.id = p2.category_id
                                  WHERE p2.tenant_id = ${tenantId} AND c2.name IN (${names}))`;
    case 'segment':
      return sql`f.customer_id IN (SELECT c2.id FROM sales_customers c2 JOIN sales_segments s2 ON s2.tenant_id = c2.tenant_id AND s2.id = c2.segment_id
                                   WHERE c2.tenant_id = ${tenantId} AND s2.name IN (${names}))`;
  }
}

const inRange = (range: DateRange) =>
  sql`f.sale_date >= ${range.start}::date AND f.sale_date < ${range.end}::date`;

export interface CompiledQuery {
  sql: SQL;
  /** The plan's dimensions, in the order of the result's `d0`, `d1`, … columns. */
  dimensions: DimensionName[];
  measures: Measure[];
  /** Rows carry `prev_*` measures for the comparison range. */
  withPrevious: boolean;
  /** The row cap applied (one more row is fetched to tell whether it cut anything). */
  cap: number;
}

/** Rows shown when a plan names no limit: a time series in full, other breakdowns their top 100. */
const SERIES_CAP = 4000;
const BREAKDOWN_CAP = 100;

/**
 * The plan's grouped query: one row per combination of its dimensions with the current range's
 * measures, and (for attribute-only breakdowns with a comparison) the comparison range's measures
 * of the same members, computed in the same scan with FILTER. Without dimensions: one total row.
 */
export function compilePlan(tenantId: string, plan: QueryPlan): CompiledQuery {
  const dimensions = plan.dimensions;
  const measures = measuresFor(plan.metrics);
  const withPrevious = plan.comparison !== undefined && !dimensions.some(isTimeGrain);
  const current = inRange(plan.timeRange);
  const previous = plan.comparison ? inRange(plan.comparison.range) : undefined;

  const joins = new Set<'product' | 'customer'>();
  const keys: SQL[] = dimensions.map((d, i) => {
    if (isTimeGrain(d)) return sql`${TIME_KEYS[d]} AS ${sql.identifier(`k${i}`)}`;
    const attribute = ATTRIBUTES[d];
    if (attribute.join) joins.add(attribute.join);
    return sql`${attribute.key} AS ${sql.identifier(`k${i}`)}`;
  });
  const aggregates: SQL[] = measures.flatMap((m) => {
    const expression = MEASURE_SQL[m];
    if (!withPrevious) return [sql`${expression} AS ${sql.identifier(`cur_${m}`)}`];
    return [
      sql`${expression} FILTER (WHERE ${current}) AS ${sql.identifier(`cur_${m}`)}`,
      sql`${expression} FILTER (WHERE ${previous}) AS ${sql.identifier(`prev_${m}`)}`,
    ];
  });
  const where = [
    sql`f.tenant_id = ${tenantId}`,
    withPrevious ? sql`((${current}) OR (${previous}))` : current,
  ];
  for (const filter of plan.filters) where.push(filterSql(tenantId, filter));

  const groupBy =
    dimensions.length > 0
      ? sql`GROUP BY ${sql.join(
          dimensions.map((_, i) => sql.identifier(`k${i}`)),
          sql`, `,
        )}`
      : sql``;
  // A member that only sold in the comparison range is not part of the answer.
  const having =
    withPrevious && dimensions.length > 0 ? sql`HAVING count(*) FILTER (WHERE ${current}) > 0` : sql``;
  const aggregated = sql`SELECT ${sql.join([...keys, ...aggregates], sql`, `)}
    FROM sales_facts f ${sql.join(
      [...joins].map((j) => JOINS[j]),
      sql` `,
    )}
    WHERE ${sql.join(where, sql` AND `)} ${groupBy} ${having}`;

  // Members are named after aggregating, on a few rows rather than on every fact.
  const outputs: SQL[] = [];
  const nameJoins: SQL[] = [];
  dimensions.forEach((d, i) => {
    const key = sql.identifier(`k${i}`);
    const out = sql.identifier(`d${i}`);
    if (isTimeGrain(d)) {
      outputs.push(sql`a.${key}::text AS ${out}`);
      return;
    }
    const alias = sql.identifier(`n${i}`);
    nameJoins.push(
      sql`JOIN ${ATTRIBUTES[d].names} ${alias} ON ${alias}.tenant_id = ${tenantId} AND ${alias}.id = a.${key}`,
    );
    outputs.push(sql`${alias}.name AS ${out}`);
  });
  for (const m of measures) {
    outputs.push(sql`a.${sql.identifier(`cur_${m}`)}`);
    if (withPrevious) outputs.push(sql`a.${sql.identifier(`prev_${m}`)}`);
  }
  const cap = plan.limit ?? (dimensions.every(isTimeGrain) ? SERIES_CAP : BREAKDOWN_CAP);
  const order =
    dimensions.length > 0
      ? sql`ORDER BY ${sql.join(orderTerms(plan, dimensions), sql`, `)} LIMIT ${cap + 1}`
      : sql``;
  return {
    sql: sql`WITH a AS (${aggregated}) SELECT ${sql.join(outputs, sql`, `)} FROM a ${sql.join(nameJoins, sql` `)} ${order}`,
    dimensions,
    measures,
    withPrevious,
    cap,
  };
}

/** ORDER BY terms: the plan's order, then every dimension for a stable result. */
function orderTerms(plan: QueryPlan, dimensions: DimensionName[]): SQL[] {
  const terms: SQL[] = [];
  for (const order of plan.orderBy) {
    const direction = order.direction === 'asc' ? sql`ASC` : sql`DESC`;
    const index = dimensions.indexOf(order.field as DimensionName);
    if (index >= 0) {
      terms.push(sql`${sql.identifier(`d${index}`)} ${direction}`);
      continue;
    }
    const metric = plan.metrics.find((m) => m.name === order.field);
    if (!metric) continue;
    const base = baseOf(metric);
    const value =
      base === 'average_order_value'
        ? sql`a.cur_revenue / NULLIF(a.cur_orders, 0)`
        : sql`a.${sql.identifier(`cur_${base}`)}`;
    terms.push(sql`${value} ${direction} NULLS LAST`);
  }
  for (let i = 0; i < dimensions.length; i++) terms.push(sql`${sql.identifier(`d${i}`)} ASC`);
  return terms;
}
