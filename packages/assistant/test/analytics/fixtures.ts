import { randomUUID } from 'node:crypto';
import { tenants } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { ManualClock } from '@parley/kit';
import { seedSales } from '../../src/warehouse/seed.js';

/** 2026-03-15, a Sunday in the middle of a quarter: "last quarter" is Q4 2025. */
export const NOW = Date.UTC(2026, 2, 15, 10, 0, 0);

export interface SalesFixture {
  database: TestDatabase;
  clock: ManualClock;
  acme: string;
  globex: string;
  /** A tenant with no warehouse. */
  empty: string;
}

/** A migrated database with two tenants, each with its own seeded warehouse (different catalogues). */
export async function createSalesFixture(rows = 6000): Promise<SalesFixture> {
  const database = await createTestDatabase();
  const clock = new ManualClock(NOW);
  const acme = randomUUID();
  const globex = randomUUID();
  const empty = randomUUID();
  await database.db.insert(tenants).values([
    { id: acme, slug: `acme-${acme.slice(0, 8)}`, name: 'Acme' },
    { id: globex, slug: `globex-${globex.slice(0, 8)}`, name: 'Globex' },
    { id: empty, slug: `empty-${empty.slice(0, 8)}`, name: 'Empty' },
  ]);
  await seedSales(database.db, { tenantId: acme, rows, clock, seed: 'acme' });
  await seedSales(database.db, { tenantId: globex, rows, clock, seed: 'globex' });
  return { database, clock, acme, globex, empty };
}
