import { queryRows, withTenant } from '@parley/db';
import { systemClock } from '@parley/kit';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditLog, PLATFORM_TENANT } from '../src/audit/log.js';
import { queryAudit } from '../src/audit/query.js';
import { verifyChain } from '../src/audit/verify.js';
import { auditEvents } from '../src/schema/iam.js';
import {
  bearer,
  createTestHttp,
  createTestIam,
  login,
  PASSWORD,
  seedTenants,
  type TestIam,
} from './helpers.js';

/** Deterministic PRNG (mulberry32) so a failing run can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let r = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return ((r ^ (r >>> 14)) >>> 0) / 4294967296;
  };
}

async function countRequests(t: TestIam, tenantId: string): Promise<number> {
  const rows = await withTenant(t.database.db, tenantId, (tx) =>
    tx.select({ n: sql<number>`count(*)::int` }).from(auditEvents).where(sql`kind = 'request'`),
  );
  return rows[0]!.n;
}

describe('audit log', () => {
  let t: TestIam;
  let app: FastifyInstance;
  let tenants: Awaited<ReturnType<typeof seedTenants>>;
  let tokens: Record<string, string>;
  beforeAll(async () => {
    t = await createTestIam();
    tenants = await seedTenants(t.iam);
    app = await createTestHttp(t.iam);
    tokens = {
      admin: (await login(app, 'acme', 'admin@acme.test')).accessToken,
      guest: (await login(app, 'acme', 'guest@acme.test')).accessToken,
      other: (await login(app, 'globex', 'admin@globex.test')).accessToken,
    };
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('N random requests of every kind leave exactly N request records', async () => {
    const chains = [PLATFORM_TENANT, tenants.acme.id, tenants.globex.id];
    const before = await Promise.all(chains.map((id) => countRequests(t, id)));
    const next = random(5);
    const kinds = [
      () => app.inject('/v1/open'), // 200 anonymous
      () => app.inject('/v1/reports'), // 401 no credentials
      () => app.inject({ url: '/v1/reports', headers: bearer('garbage') }), // 401 bad token
      () => app.inject({ url: '/v1/reports', headers: bearer(tokens.guest!) }), // 403
      () => app.inject({ url: '/v1/reports', headers: bearer(tokens.admin!) }), // 200
      () => app.inject({ url: `/v1/users/${tenants.acme.users.guest}`, headers: bearer(tokens.other!) }), // 404 other tenant
      () => app.inject('/v1/nowhere'), // 404 unmatched
      () => app.inject('/v1/boom'), // 500
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: '{"bad json',
          headers: { 'content-type': 'application/json' },
        }), // 400
      () =>
        app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { tenant: 'acme', email: 'x@acme.test', password: 'wrong-password-1' },
        }), // 401
      () => app.inject({ url: '/v1/audit-events?limit=2', headers: bearer(tokens.admin!) }), // 200
    ];
    const n = 60;
    const statuses = new Set<number>();
    await Promise.all(
      Array.from({ length: n }, async () => {
        const res = await kinds[Math.floor(next() * kinds.length)]!();
        statuses.add(res.statusCode);
      }),
    );
    expect([...statuses].sort()).toEqual(expect.arrayContaining([200, 401, 403, 404, 500]));
    const after = await Promise.all(chains.map((id) => countRequests(t, id)));
    expect(after.reduce((a, b) => a + b, 0) - before.reduce((a, b) => a + b, 0)).toBe(n);
    for (const id of chains) expect((await verifyChain(t.database.db, id)).ok).toBe(true);
  });

  it('a request record has who, what, where, the decision and the outcome, and no secrets', async () => {
    const res = await app.inject({
      url: '/v1/reports',
      headers: { ...bearer(tokens.guest!), 'user-agent': 'audit-test/1.0', 'x-request-id': 'req-audit-1' },
    });
    expect(res.statusCode).toBe(403);
    const page = await queryAudit(t.database.db, tenants.acme.id, { kind: 'request', limit: 1 });
    expect(page.records[0]).toMatchObject({
      actor: `user:${tenants.acme.users.guest}`,
      action: 'reports:generate',
      route: 'GET /v1/reports',
      decision: 'deny',
      status: 403,
      ip: '127.0.0.1',
      userAgent: 'audit-test/1.0',
      requestId: 'req-audit-1',
      latencyMs: expect.any(Number),
    });
    await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { tenant: 'acme', email: 'admin@acme.test', password: PASSWORD },
    });
    const all = await queryAudit(t.database.db, tenants.acme.id, { limit: 500 });
    const text = JSON.stringify(all.records);
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toContain(tokens.admin!);
    expect(text).not.toMatch(/parley_rt_/);
  });

  it("login attempts are recorded in the named tenant's chain, failed ones too", async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { tenant: 'globex', email: 'admin@globex.test', password: 'not-the-password' },
    });
    expect(res.statusCode).toBe(401);
    const page = await queryAudit(t.database.db, tenants.globex.id, { kind: 'request', limit: 1 });
    expect(page.records[0]).toMatchObject({
      route: 'POST /v1/auth/login',
      status: 401,
      decision: 'deny',
      actor: 'anonymous',
    });
  });

  it('GET /v1/audit-events filters and pages with a cursor; export is NDJSON; audit:read is required', async () => {
    const headers = bearer(tokens.admin!);
    const first = (await app.inject({ url: '/v1/audit-events?limit=3&decision=deny', headers })).json();
    expect(first.events).toHaveLength(3);
    expect(first.events.every((e: { decision: string }) => e.decision === 'deny')).toBe(true);
    const second = (
      await app.inject({ url: `/v1/audit-events?limit=3&decision=deny&cursor=${first.nextCursor}`, headers })
    ).json();
    expect(second.events[0].seq).toBeLessThan(first.events[2].seq);
    const byActor = (
      await app.inject({ url: `/v1/audit-events?actor=user:${tenants.acme.users.guest}&limit=500`, headers })
    ).json();
    expect(
      byActor.events.every((e: { actor: string }) => e.actor === `user:${tenants.acme.users.guest}`),
    ).toBe(true);
    const exported = await app.inject({ url: '/v1/audit-events/export?kind=event', headers });
    expect(exported.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = exported.body
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.length).toBeGreaterThan(3);
    expect(lines.every((l) => l.kind === 'event' && l.tenantId === tenants.acme.id)).toBe(true);
    expect((await app.inject({ url: '/v1/audit-events', headers: bearer(tokens.guest!) })).statusCode).toBe(
      403,
    );
    const bad = await app.inject({ url: '/v1/audit-events?limit=9999', headers });
    expect(bad.statusCode).toBe(400);
  });

  it('verify names the first tampered record; a deleted record breaks the chain too', async () => {
    const report = await verifyChain(t.database.db, tenants.acme.id);
    expect(report.ok).toBe(true);
    const target = Math.floor(report.records / 2);
    // A database superuser's tampering: the trigger must be disabled to change anything.
    await t.database.db.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
    await t.database.db.execute(
      sql`UPDATE audit_events SET actor = 'user:mallory' WHERE tenant_id = ${tenants.acme.id} AND seq = ${target}`,
    );
    const tampered = await verifyChain(t.database.db, tenants.acme.id);
    expect(tampered).toMatchObject({
      ok: false,
      records: target - 1,
      broken: { seq: target, reason: expect.stringMatching(/contents/) },
    });
    await t.database.db.execute(
      sql`DELETE FROM audit_events WHERE tenant_id = ${tenants.globex.id} AND seq = 2`,
    );
    await t.database.db.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    const deleted = await verifyChain(t.database.db, tenants.globex.id);
    expect(deleted).toMatchObject({
      ok: false,
      broken: { seq: 3, reason: expect.stringMatching(/sequence gap/) },
    });
  });
});

describe('two writers on one chain', () => {
  it('interleaved group commits from two processes keep one valid chain', async () => {
    const t = await createTestIam();
    const tenant = await t.iam.createTenant({ slug: 'chain', name: 'Chain' });
    // Two AuditLogs: two processes' views of the same chain, each with its own expected head.
    const writers = [new AuditLog(t.database.db, systemClock), new AuditLog(t.database.db, systemClock)];
    const append = (i: number) =>
      writers[i % 2]!.append({
        tenantId: tenant.id,
        kind: 'event',
        actor: `writer:${i % 2}`,
        action: `a${i}`,
        decision: 'allow',
      });
    // A stream, not one burst: batches keep going out on both writers,
    // each chained onto a head the other writer keeps moving.
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 200; i++) {
      pending.push(append(i));
      if (i % 10 === 9) await new Promise((r) => setTimeout(r, 1));
    }
    await Promise.all(pending);
    const report = await verifyChain(t.database.db, tenant.id);
    expect(report).toEqual({ tenantId: tenant.id, records: 201, ok: true });
    await t.close();
  });
});

describe('group commit', () => {
  it('sends the records of one event-loop turn together, and those arriving during its commit together next', async () => {
    const t = await createTestIam();
    const tenant = await t.iam.createTenant({ slug: 'group', name: 'Group' });
    const log = t.iam.audit;
    const entry = (action: string) =>
      log.append({ tenantId: tenant.id, kind: 'event', actor: 'system', action, decision: 'allow' });
    await entry('warm'); // the chain head is known from here on
    // No timer: the burst leaves at the end of its turn, all in one transaction.
    await Promise.all(Array.from({ length: 100 }, (_, i) => entry(`r${i}`)));
    // A second burst while the first one's batch is on the wire: it waits, then leaves whole.
    const first = Array.from({ length: 30 }, (_, i) => entry(`s${i}`));
    await new Promise((r) => setImmediate(r));
    const second = Array.from({ length: 30 }, (_, i) => entry(`t${i}`));
    await Promise.all([...first, ...second]);
    const transactions = await withTenant(t.database.db, tenant.id, (tx) =>
      queryRows<{ n: number }>(
        tx,
        sql`SELECT count(*)::int AS n FROM audit_events WHERE action ~ '^[rst][0-9]' GROUP BY xmin::text ORDER BY min(seq)`,
      ),
    );
    expect(transactions.map((r) => r.n)).toEqual([100, 30, 30]);
    expect(await verifyChain(t.database.db, tenant.id)).toMatchObject({ ok: true, records: 162 });
    await t.close();
  });

  it('stores any text as given: quotes, backslashes, braces, commas, NULL, empty, non-BMP', async () => {
    const t = await createTestIam();
    const tenant = await t.iam.createTenant({ slug: 'text', name: 'Text' });
    const log = new AuditLog(t.database.db, systemClock);
    const texts = ['a"b\\c', '{x,y}', 'NULL', '', ' padded ', 'é 😀 \u2028', 'line\nbreak\t,"\\"'];
    await Promise.all(
      texts.map((text, i) =>
        log.append({
          tenantId: tenant.id,
          kind: 'request',
          actor: text,
          action: `text-${i}`,
          resource: text,
          decision: 'allow',
          route: text,
          ip: text,
          userAgent: text,
          requestId: text,
          details: { text, [text]: [text] },
        }),
      ),
    );
    const rows = await withTenant(t.database.db, tenant.id, (tx) =>
      tx.select().from(auditEvents).where(sql`action LIKE 'text-%'`).orderBy(auditEvents.seq),
    );
    expect(rows.map((r) => [r.actor, r.resource, r.route, r.ip, r.userAgent, r.requestId])).toEqual(
      texts.map((text) => [text, text, text, text, text, text]),
    );
    expect(rows.map((r) => r.details)).toEqual(texts.map((text) => ({ text, [text]: [text] })));
    expect(await verifyChain(t.database.db, tenant.id)).toMatchObject({
      ok: true,
      records: texts.length + 1,
    });
    await t.close();
  });

  it('a batch the database refuses fails every record in it, and the chain goes on', async () => {
    const t = await createTestIam();
    const tenant = await t.iam.createTenant({ slug: 'batch', name: 'Batch' });
    const log = new AuditLog(t.database.db, systemClock);
    const entry = (action: string, details: Record<string, unknown> = {}) =>
      log.append({ tenantId: tenant.id, kind: 'event', actor: 'system', action, decision: 'allow', details });
    // All four leave together at the end of the turn; PostgreSQL refuses the batch holding the
    // poisoned record as a whole (jsonb cannot hold \u0000), and so does PGlite.
    const results = await Promise.allSettled([
      entry('first'),
      entry('second'),
      entry('poisoned', { note: 'a\u0000b' }),
      entry('fourth'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    await entry('after');
    // A record that cannot even be serialised fails alone, before anything is sent.
    await expect(entry('unserialisable', { n: 1n })).rejects.toThrow(TypeError);
    await entry('last');
    const actions = await withTenant(t.database.db, tenant.id, (tx) =>
      tx.select({ action: auditEvents.action }).from(auditEvents).orderBy(auditEvents.seq),
    );
    const kept = ['tenant.create', 'after', 'last'];
    expect(actions.map((a) => a.action)).toEqual(kept);
    expect(await verifyChain(t.database.db, tenant.id)).toMatchObject({ ok: true, records: kept.length });
    await t.close();
  });
});

describe('no response without its audit record', () => {
  it('answers 503 when the audit write fails', async () => {
    const t = await createTestIam();
    const app = await createTestHttp(t.iam);
    expect((await app.inject('/v1/open')).statusCode).toBe(200);
    t.iam.audit.append = async () => {
      throw new Error('database unavailable');
    };
    const res = await app.inject('/v1/open');
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({ type: 'urn:parley:problem:unavailable', status: 503 });
    expect(res.body).not.toContain('"ok"');
    await app.close();
    await t.close();
  });
});
