import { randomUUID } from 'node:crypto';
import { queryRows, tenants, withTenant } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { ManualClock } from '@parley/kit';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedSales } from '../../src/warehouse/seed.js';
import { readDataVersion } from '../../src/warehouse/version.js';

let database: TestDatabase;
const clock = new ManualClock(Date.UTC(2026, 2, 15));
const acme = randomUUID();
const globex = randomUUID();

beforeAll(async () => {
  database = await createTestDatabase();
  await database.db.insert(tenants).values([
    { id: acme, slug: `a-${acme}`, name: 'A' },
    { id: globex, slug: `g-${globex}`, name: 'G' },
  ]);
}, 120_000);
afterAll(() => database?.close());

const count = (tenantId: string, table: string) =>
  withTenant(database.db, tenantId, async (tx) => {
    const [row] = await queryRows<{ n: string }>(tx, sql`SELECT count(*) AS n FROM ${sql.identifier(table)}`);
    return Number(row!.n);
  });

describe('seedSales', () => {
  it('loads the rows, reports progress and bumps the data version', async () => {
    const progress: number[] = [];
    const result = await seedSales(database.db, {
      tenantId: acme,
      rows: 5000,
      clock,
      batchSize: 1000,
      onProgress: (written) => progress.push(written),
    });
    expect(result).toMatchObject({ rows: 5000, range: { start: '2023-03-16', end: '2026-03-15' } });
    expect(progress.sort((a, b) => a - b)).toEqual([1000, 2000, 3000, 4000, 5000]);
    expect(await count(acme, 'sales_facts')).toBe(5000);
    const version = await withTenant(database.db, acme, (tx) => readDataVersion(tx, acme));
    expect(version).toEqual({ version: result.version.version, through: '2026-03-14' });
  });

  it("replaces the tenant's warehouse and leaves other tenants' alone", async () => {
    const before = await withTenant(database.db, acme, (tx) => readDataVersion(tx, acme));
    await seedSales(database.db, { tenantId: globex, rows: 2000, clock });
    await seedSales(database.db, { tenantId: acme, rows: 3000, clock });
    expect(await count(acme, 'sales_facts')).toBe(3000);
    expect(await count(globex, 'sales_facts')).toBe(2000);
    expect((await withTenant(database.db, acme, (tx) => readDataVersion(tx, acme))).version).toBeGreaterThan(
      before.version,
    );
  });

  it('row-level security: a tenant sees only its own warehouse rows, whatever the query asks', async () => {
    for (const table of [
      'sales_facts',
      'sales_products',
      'sales_customers',
      'sales_regions',
      'sales_data_versions',
    ]) {
      const seen = await withTenant(database.db, acme, (tx) =>
        queryRows<{ n: string }>(
          tx,
          sql`SELECT count(*) AS n FROM ${sql.identifier(table)} WHERE tenant_id = ${globex}`,
        ),
      );
      expect(Number(seen[0]!.n), table).toBe(0);
    }
    await expect(
      withTenant(database.db, acme, (tx) =>
        tx.execute(sql`INSERT INTO sales_regions (tenant_id, id, name) VALUES (${globex}, 99, 'Injected')`),
      ),
    ).rejects.toThrow();
  });

  it('refuses a row count that is not a positive whole number', async () => {
    await expect(seedSales(database.db, { tenantId: acme, rows: 0, clock })).rejects.toThrow(RangeError);
    await expect(seedSales(database.db, { tenantId: acme, rows: 1.5, clock })).rejects.toThrow(RangeError);
  });
});
