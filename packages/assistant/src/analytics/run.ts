import { type Executor, queryRows } from '@parley/db';
import type { QueryPlan } from '../semantic/plan.js';
import { compilePlan } from './compile.js';
import { MEASURES, type Measure, type MeasureValues } from './measures.js';

export interface MeasuredRow {
  /** Member names (or ISO period starts for time grains), in the plan's dimension order. */
  members: string[];
  current: MeasureValues;
  /** The same members' measures in the comparison range. */
  previous?: MeasureValues;
}

/** The numbers computed for a plan: JSON-safe, so they are what the cache stores. */
export interface PlanResult {
  total: MeasureValues;
  previousTotal?: MeasureValues;
  rows: MeasuredRow[];
  /** More rows matched than the plan's limit (or the default cap) lets through. */
  truncated: boolean;
}

type Row = Record<string, string | number | null>;

function measures(row: Row, prefix: 'cur' | 'prev', wanted: readonly Measure[]): MeasureValues {
  const values = { revenue: 0, units: 0, orders: 0, margin: 0 };
  for (const m of MEASURES) if (wanted.includes(m)) values[m] = Number(row[`${prefix}_${m}`] ?? 0);
  return values;
}

/**
 * Runs a plan on the warehouse: the grouped rows (when the plan has dimensions) and the totals
 * of the range and of the comparison range. Must run inside withTenant: row-level security is
 * the second wall behind the queries' own tenant condition.
 */
export async function runPlan(tx: Executor, tenantId: string, plan: QueryPlan): Promise<PlanResult> {
  const totals = compilePlan(tenantId, { ...plan, dimensions: [] });
  const [totalRow] = await queryRows<Row>(tx, totals.sql);
  const result: PlanResult = {
    total: measures(totalRow ?? {}, 'cur', totals.measures),
    ...(totals.withPrevious ? { previousTotal: measures(totalRow ?? {}, 'prev', totals.measures) } : {}),
    rows: [],
    truncated: false,
  };
  if (plan.dimensions.length === 0) return result;
  const grouped = compilePlan(tenantId, plan);
  const rows = await queryRows<Row>(tx, grouped.sql);
  result.truncated = rows.length > grouped.cap;
  result.rows = rows.slice(0, grouped.cap).map((row) => ({
    members: grouped.dimensions.map((_, i) => String(row[`d${i}`])),
    current: measures(row, 'cur', grouped.measures),
    ...(grouped.withPrevious ? { previous: measures(row, 'prev', grouped.measures) } : {}),
  }));
  return result;
}
