import { type Executor, queryRows } from '@parley/db';
import { sql } from 'drizzle-orm';
import type { WarehouseDimensions } from './dimensions.js';
import type { FactBatch } from './facts.js';
import {
  salesCategories,
  salesChannels,
  salesCustomers,
  salesFacts,
  salesProducts,
  salesRegions,
  salesSegments,
} from './schema.js';

const cents = (value: number) => (value / 100).toFixed(2);

/** Inserts in slices, so no statement exceeds PostgreSQL's 65,535 bind parameters. */
async function insertSliced<T>(rows: T[], insert: (slice: T[]) => Promise<unknown>): Promise<void> {
  for (let i = 0; i < rows.length; i += 2000) await insert(rows.slice(i, i + 2000));
}

/** Writes a tenant's dimension members (the tenant's warehouse must be empty). Runs inside withTenant. */
export async function insertDimensions(
  tx: Executor,
  tenantId: string,
  dims: WarehouseDimensions,
): Promise<void> {
  const named = (names: string[]) => names.map((name, i) => ({ tenantId, id: i + 1, name }));
  await tx.insert(salesRegions).values(named(dims.regions));
  await tx.insert(salesChannels).values(named(dims.channels));
  await tx.insert(salesSegments).values(named(dims.segments));
  await tx.insert(salesCategories).values(named(dims.categories));
  await insertSliced(dims.products, (slice) =>
    tx.insert(salesProducts).values(
      slice.map((p) => ({
        tenantId,
        id: p.id,
        name: p.name,
        categoryId: p.categoryId,
        listPrice: cents(p.listPrice),
        unitCost: cents(p.unitCost),
      })),
    ),
  );
  await insertSliced(dims.customers, (slice) =>
    tx.insert(salesCustomers).values(slice.map((c) => ({ tenantId, ...c }))),
  );
}

/** A PostgreSQL array literal of numbers: one bind parameter for a whole column. */
function arrayLiteral(values: ArrayLike<number>, length: number): string {
  const parts = new Array<string>(length);
  for (let i = 0; i < length; i++) parts[i] = String(values[i]);
  return `{${parts.join(',')}}`;
}

/**
 * Inserts a batch of order lines with one statement of ten array parameters (unnest), which
 * parses far faster than a VALUES list of ten parameters per row and stays under row-level
 * security (the rows' tenant is checked by the policy, unlike COPY, which RLS refuses).
 */
export async function insertFacts(tx: Executor, tenantId: string, batch: FactBatch): Promise<void> {
  const n = batch.length;
  const column = (values: ArrayLike<number>) => arrayLiteral(values, n);
  await tx.execute(sql`
    INSERT INTO ${salesFacts} (tenant_id, order_id, line, sale_date, product_id, customer_id, region_id, channel_id, units, revenue, cost)
    SELECT ${tenantId}::uuid, o, l, DATE '1970-01-01' + d, p, c, r, ch, qty, rev / 100.0, co / 100.0
    FROM unnest(${column(batch.orderId)}::bigint[], ${column(batch.line)}::smallint[], ${column(batch.day)}::int[],
                ${column(batch.productId)}::int[], ${column(batch.customerId)}::int[], ${column(batch.regionId)}::smallint[],
                ${column(batch.channelId)}::smallint[], ${column(batch.units)}::int[], ${column(batch.revenue)}::bigint[],
                ${column(batch.cost)}::bigint[])
      AS u(o, l, d, p, c, r, ch, qty, rev, co)`);
}

/** Removes a tenant's whole warehouse (facts first: they have no foreign keys to cascade). */
export async function clearWarehouse(tx: Executor, tenantId: string): Promise<void> {
  for (const table of [
    salesFacts,
    salesCustomers,
    salesProducts,
    salesCategories,
    salesSegments,
    salesChannels,
    salesRegions,
  ]) {
    await tx.execute(sql`DELETE FROM ${table} WHERE tenant_id = ${tenantId}`);
  }
}

/** Reads a tenant's dimension members back (for a refresh that continues the seeded history). */
export async function readDimensions(tx: Executor): Promise<WarehouseDimensions> {
  const names = async (table: typeof salesRegions) =>
    (await tx.select({ id: table.id, name: table.name }).from(table).orderBy(table.id)).map((r) => r.name);
  const products = await queryRows<{
    id: number;
    name: string;
    category_id: number;
    list_price: string;
    unit_cost: string;
  }>(tx, sql`SELECT id, name, category_id, list_price, unit_cost FROM ${salesProducts} ORDER BY id`);
  const customers = await tx
    .select({
      id: salesCustomers.id,
      name: salesCustomers.name,
      segmentId: salesCustomers.segmentId,
      regionId: salesCustomers.regionId,
    })
    .from(salesCustomers)
    .orderBy(salesCustomers.id);
  return {
    regions: await names(salesRegions),
    channels: await names(salesChannels),
    segments: await names(salesSegments),
    categories: await names(salesCategories),
    products: products.map((p) => ({
      id: p.id,
      name: p.name,
      categoryId: p.category_id,
      listPrice: Math.round(Number(p.list_price) * 100),
      unitCost: Math.round(Number(p.unit_cost) * 100),
    })),
    customers,
  };
}
