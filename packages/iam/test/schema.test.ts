import { queryRows, withTenant } from '@parley/db';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditEvents, users } from '../src/schema/iam.js';
import { createTestIam, seedTenants, type TestIam } from './helpers.js';

const causedBy = (pattern: RegExp) => (error: unknown) =>
  pattern.test(
    String((error as { cause?: { message?: string } }).cause?.message ?? (error as Error).message),
  );

describe('IAM schema: tenant isolation and the append-only audit log', () => {
  let t: TestIam;
  let tenants: Awaited<ReturnType<typeof seedTenants>>;
  beforeAll(async () => {
    t = await createTestIam();
    tenants = await seedTenants(t.iam);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('every IAM table holding tenant data has FORCE row-level security', async () => {
    const list = await queryRows<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
      t.database.db,
      sql`SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
          WHERE relname IN ('users','roles','role_permissions','user_roles','service_accounts','api_keys','refresh_tokens','audit_events')`,
    );
    expect(list).toHaveLength(8);
    for (const row of list)
      expect(row, row.relname).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
  });

  it('a tenant sees only its own users, even with an explicit filter on another tenant', async () => {
    const acmeUsers = await withTenant(t.database.db, tenants.acme.id, (tx) => tx.select().from(users));
    expect(acmeUsers.map((u) => u.email).sort()).toEqual([
      'admin@acme.test',
      'analyst@acme.test',
      'guest@acme.test',
    ]);
    const stolen = await withTenant(t.database.db, tenants.acme.id, (tx) =>
      tx.select().from(users).where(sql`${users.tenantId} = ${tenants.globex.id}`),
    );
    expect(stolen).toEqual([]);
  });

  it('the same email may exist in two tenants but not twice in one', async () => {
    await expect(
      t.iam.createUser(tenants.acme.id, {
        email: 'ADMIN@acme.test',
        password: 'another-strong-passphrase',
        roles: [],
      }),
    ).rejects.toThrow(/already exists/);
    const created = await t.iam.createUser(tenants.globex.id, {
      email: 'analyst@acme.test',
      password: 'another-strong-passphrase',
      roles: ['guest'],
    });
    expect(created.email).toBe('analyst@acme.test');
  });

  it('the application role may not update or delete audit records', async () => {
    await t.iam.audit.append({
      tenantId: tenants.acme.id,
      kind: 'event',
      actor: 'system',
      action: 'test',
      decision: 'allow',
    });
    await expect(
      withTenant(t.database.db, tenants.acme.id, (tx) => tx.update(auditEvents).set({ actor: 'mallory' })),
    ).rejects.toSatisfy(causedBy(/permission denied/));
    await expect(
      withTenant(t.database.db, tenants.acme.id, (tx) => tx.delete(auditEvents)),
    ).rejects.toSatisfy(causedBy(/permission denied/));
  });

  it('a trigger refuses updates and deletes even from the table owner', async () => {
    await expect(t.database.db.execute(sql`UPDATE audit_events SET actor = 'mallory'`)).rejects.toSatisfy(
      causedBy(/append-only/),
    );
    await expect(t.database.db.execute(sql`DELETE FROM audit_events`)).rejects.toSatisfy(
      causedBy(/append-only/),
    );
    await expect(t.database.db.execute(sql`TRUNCATE audit_events`)).rejects.toSatisfy(
      causedBy(/append-only/),
    );
  });
});
