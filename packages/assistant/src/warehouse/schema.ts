import { tenantIdColumn, tenants } from '@parley/db';
import {
  bigint,
  date,
  foreignKey,
  index,
  integer,
  numeric,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  unique,
  uuid,
} from 'drizzle-orm/pg-core';

/**
 * The sales warehouse: a star schema per tenant. Every table is tenant-owned (FORCE row-level
 * security); dimension ids are small integers numbered per tenant, so the fact table stays narrow.
 */

/** A small dimension (a name per id) such as regions or channels. */
function namedDimension(name: string) {
  return pgTable(
    name,
    { tenantId: tenantIdColumn(), id: smallint('id').notNull(), name: text('name').notNull() },
    (t) => [primaryKey({ columns: [t.tenantId, t.id] }), unique().on(t.tenantId, t.name)],
  );
}

export const salesRegions = namedDimension('sales_regions');
export const salesChannels = namedDimension('sales_channels');
export const salesSegments = namedDimension('sales_segments');
export const salesCategories = namedDimension('sales_categories');

export const salesProducts = pgTable(
  'sales_products',
  {
    tenantId: tenantIdColumn(),
    id: integer('id').notNull(),
    name: text('name').notNull(),
    categoryId: smallint('category_id').notNull(),
    listPrice: numeric('list_price', { precision: 10, scale: 2 }).notNull(),
    unitCost: numeric('unit_cost', { precision: 10, scale: 2 }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique().on(t.tenantId, t.name),
    foreignKey({
      columns: [t.tenantId, t.categoryId],
      foreignColumns: [salesCategories.tenantId, salesCategories.id],
    }),
  ],
);

export const salesCustomers = pgTable(
  'sales_customers',
  {
    tenantId: tenantIdColumn(),
    id: integer('id').notNull(),
    name: text('name').notNull(),
    segmentId: smallint('segment_id').notNull(),
    regionId: smallint('region_id').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.id] }),
    unique().on(t.tenantId, t.name),
    foreignKey({
      columns: [t.tenantId, t.segmentId],
      foreignColumns: [salesSegments.tenantId, salesSegments.id],
    }),
    foreignKey({
      columns: [t.tenantId, t.regionId],
      foreignColumns: [salesRegions.tenantId, salesRegions.id],
    }),
  ],
);

/**
 * One order line. No foreign keys to the dimensions on purpose: they would cost a lookup per row
 * on every bulk load, and rows only come from the seeder and the refresh, which take ids from the
 * dimension tables they just read. The indexes serve the semantic layer's filters: every query is
 * bounded by tenant and date range; product and customer filters are selective enough to lead.
 */
export const salesFacts = pgTable(
  'sales_facts',
  {
    tenantId: uuid('tenant_id').notNull(),
    orderId: bigint('order_id', { mode: 'number' }).notNull(),
    line: smallint('line').notNull(),
    saleDate: date('sale_date', { mode: 'string' }).notNull(),
    productId: integer('product_id').notNull(),
    customerId: integer('customer_id').notNull(),
    regionId: smallint('region_id').notNull(),
    channelId: smallint('channel_id').notNull(),
    units: integer('units').notNull(),
    revenue: numeric('revenue', { precision: 12, scale: 2 }).notNull(),
    cost: numeric('cost', { precision: 12, scale: 2 }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.orderId, t.line] }),
    index('sales_facts_date').on(t.tenantId, t.saleDate),
    index('sales_facts_product_date').on(t.tenantId, t.productId, t.saleDate),
    index('sales_facts_customer_date').on(t.tenantId, t.customerId, t.saleDate),
  ],
);

/**
 * The tenant's warehouse data version: every load or refresh bumps it, and cached answers are
 * keyed by it, so answers computed from older data become unreachable at once.
 */
export const salesDataVersions = pgTable('sales_data_versions', {
  tenantId: uuid('tenant_id')
    .primaryKey()
    .references(() => tenants.id, { onDelete: 'cascade' }),
  version: bigint('version', { mode: 'number' }).notNull(),
  /** The last sale date loaded (inclusive). */
  through: date('through', { mode: 'string' }),
  refreshedAt: timestamp('refreshed_at', { withTimezone: true }).notNull().defaultNow(),
});
