import { type Db, withTenant } from '@parley/db';
import type { Clock } from '@parley/kit';
import { seedSales } from './seed.js';
import { readDataVersion } from './version.js';

/**
 * Development start-up: gives each named tenant that has no sales data a generated warehouse, so
 * a fresh `npm start` answers questions. Tenants with data (seeded or loaded) are left alone.
 * Returns the tenants seeded.
 */
export async function seedDemoSales(
  db: Db,
  tenants: readonly { id: string; slug: string }[],
  rows: number,
  clock: Clock,
): Promise<string[]> {
  const seeded: string[] = [];
  if (rows <= 0) return seeded;
  for (const tenant of tenants) {
    const { version } = await withTenant(db, tenant.id, (tx) => readDataVersion(tx, tenant.id));
    if (version > 0) continue;
    await seedSales(db, { tenantId: tenant.id, rows, clock, seed: tenant.slug });
    seeded.push(tenant.slug);
  }
  return seeded;
}
