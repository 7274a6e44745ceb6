import { type Executor, queryRows } from '@parley/db';
import { sql } from 'drizzle-orm';
import type { AttributeDimension } from '../semantic/catalog.js';
import type { DimensionValue } from '../slots/gazetteer.js';

/**
 * The tenant's own dimension members, for its gazetteer: what a question may filter on is what
 * the tenant's warehouse holds, nothing else. Runs inside withTenant (RLS, plus its own tenant condition).
 */
export async function readDimensionValues(tx: Executor, tenantId: string): Promise<DimensionValue[]> {
  const rows = await queryRows<{ dimension: AttributeDimension; value: string }>(
    tx,
    sql`SELECT 'region' AS dimension, name AS value FROM sales_regions WHERE tenant_id = ${tenantId}
        UNION ALL SELECT 'channel', name FROM sales_channels WHERE tenant_id = ${tenantId}
        UNION ALL SELECT 'segment', name FROM sales_segments WHERE tenant_id = ${tenantId}
        UNION ALL SELECT 'category', name FROM sales_categories WHERE tenant_id = ${tenantId}
        UNION ALL SELECT 'product', name FROM sales_products WHERE tenant_id = ${tenantId}
        UNION ALL SELECT 'customer', name FROM sales_customers WHERE tenant_id = ${tenantId}`,
  );
  return rows.map((r) => ({ dimension: r.dimension, value: r.value }));
}
