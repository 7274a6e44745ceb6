import { newId } from '@parley/kit';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { queryRows, tenantSettings, tenants, withTenant } from '../src/index.js';
import { createTestDatabase, type TestDatabase } from '../src/testing/index.js';

/** Drizzle wraps driver errors ("Failed query: …"); the database's own reason is the cause. */
const causedBy = (pattern: RegExp) => (error: unknown) =>
  pattern.test(String((error as { cause?: { message?: string } }).cause?.message));

describe(`row-level security on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`, () => {
  let database: TestDatabase;
  const acme = newId();
  const globex = newId();

  beforeAll(async () => {
    database = await createTestDatabase();
    await database.db.insert(tenants).values([
      { id: acme, slug: `acme-${acme}`, name: 'Acme' },
      { id: globex, slug: `globex-${globex}`, name: 'Globex' },
    ]);
    await withTenant(database.db, acme, (tx) =>
      tx.insert(tenantSettings).values([
        { tenantId: acme, key: 'currency', value: 'USD' },
        { tenantId: acme, key: 'timezone', value: 'America/New_York' },
      ]),
    );
    await withTenant(database.db, globex, (tx) =>
      tx.insert(tenantSettings).values({ tenantId: globex, key: 'currency', value: 'EUR' }),
    );
  });

  afterAll(async () => {
    await database?.close();
  });

  it('a query without a tenant filter sees only the current tenant rows', async () => {
    const acmeRows = await withTenant(database.db, acme, (tx) => tx.select().from(tenantSettings));
    expect(acmeRows.map((r) => r.key).sort()).toEqual(['currency', 'timezone']);
    expect(acmeRows.every((r) => r.tenantId === acme)).toBe(true);

    const globexRows = await withTenant(database.db, globex, (tx) => tx.select().from(tenantSettings));
    expect(globexRows).toEqual([
      expect.objectContaining({ tenantId: globex, key: 'currency', value: 'EUR' }),
    ]);
  });

  it("even an explicit filter on another tenant's id returns nothing", async () => {
    const rows = await withTenant(database.db, acme, (tx) =>
      tx.select().from(tenantSettings).where(eq(tenantSettings.tenantId, globex)),
    );
    expect(rows).toEqual([]);
  });

  it('an insert for another tenant is rejected', async () => {
    await expect(
      withTenant(database.db, acme, (tx) =>
        tx.insert(tenantSettings).values({ tenantId: globex, key: 'stolen', value: true }),
      ),
    ).rejects.toSatisfy(causedBy(/row-level security/));
    const rows = await withTenant(database.db, globex, (tx) => tx.select().from(tenantSettings));
    expect(rows.map((r) => r.key)).toEqual(['currency']);
  });

  it("an update or delete cannot reach another tenant's rows", async () => {
    await withTenant(database.db, acme, async (tx) => {
      await tx.update(tenantSettings).set({ value: 'XXX' }).where(eq(tenantSettings.key, 'currency'));
      await tx.delete(tenantSettings).where(eq(tenantSettings.tenantId, globex));
    });
    const globexRows = await withTenant(database.db, globex, (tx) => tx.select().from(tenantSettings));
    expect(globexRows).toEqual([expect.objectContaining({ key: 'currency', value: 'EUR' })]);
  });

  it('moving a row to another tenant is rejected', async () => {
    await expect(
      withTenant(database.db, acme, (tx) =>
        tx.update(tenantSettings).set({ tenantId: globex }).where(eq(tenantSettings.key, 'timezone')),
      ),
    ).rejects.toSatisfy(causedBy(/row-level security/));
  });

  it('no tenant set means no rows, even for the table owner role switched to the app role', async () => {
    const rows = await database.db.transaction(async (tx) => {
      await tx.execute(sql`SET LOCAL ROLE parley_app`);
      return tx.select().from(tenantSettings);
    });
    expect(rows).toEqual([]);
  });

  it('the app role cannot switch row-level security off', async () => {
    await expect(
      withTenant(database.db, acme, (tx) =>
        tx.execute(sql`ALTER TABLE tenant_settings DISABLE ROW LEVEL SECURITY`),
      ),
    ).rejects.toSatisfy(causedBy(/must be owner|permission denied/));
  });

  it('the tenant setting does not outlive its transaction', async () => {
    await withTenant(database.db, acme, (tx) => tx.select().from(tenantSettings));
    const rows = await queryRows<{ tenant: unknown }>(
      database.db,
      sql`SELECT parley_current_tenant() AS tenant`,
    );
    expect(rows[0]?.tenant ?? null).toBeNull();
  });

  it('rejects a tenant id that is not a UUID before touching the database', async () => {
    await expect(withTenant(database.db, "x' OR 1=1 --", async () => 1)).rejects.toThrow(/must be a UUID/);
  });
});
