/**
 * IAM hot paths: the cached permission decision, access-token verification, login (argon2id
 * cost), and a route behind the whole pipeline (authenticate + rate limit + authorize + audit)
 * against a bare Fastify route in the same run.
 */
import { randomUUID } from 'node:crypto';
import { createTestDatabase } from '@parley/db/testing';
import { systemClock } from '@parley/kit';
import { type BenchRow, type BenchSuite, percentile } from '@parley/kit/bench';
import { installProblemHandlers, requireDeclaredAccess } from '@parley/kit/http';
import { sql } from 'drizzle-orm';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { AuditLog } from '../src/audit/log.js';
import { isAllowed } from '../src/authz/principals.js';
import { MasterKey } from '../src/crypto/master-key.js';
import { installAccessControl } from '../src/http/pipeline.js';
import { iamRoutes } from '../src/http/plugin.js';
import { Iam } from '../src/iam.js';
import { MemoryState } from '../src/shared/memory.js';
import { RedisState } from '../src/shared/redis.js';
import { compareRoutes } from './http-comparison.js';

const PASSWORD = 'bench-passphrase-2026';

async function benchState() {
  const url = process.env.REDIS_URL;
  if (!url) return { state: new MemoryState(), kind: 'memory', close: async () => {} };
  const redis = new Redis(url);
  const prefix = `parley-bench:${randomUUID()}:`;
  const state = new RedisState(redis, { prefix });
  return {
    state,
    kind: 'redis',
    async close() {
      const keys = await redis.keys(`${prefix}*`);
      if (keys.length > 0) await redis.del(...keys);
      await state.close();
      redis.disconnect();
    },
  };
}

const suite: BenchSuite = {
  name: 'iam: authorization, tokens, login, protected route over HTTP',
  async run({ quick, log }) {
    // A fresh database: a new one on the DATABASE_URL server (dropped afterwards), else PGlite.
    const database = await createTestDatabase();
    // As deployed with several processes when REDIS_URL is set (deny-list, rate limits on Redis).
    const { state, kind: stateKind, close: closeState } = await benchState();
    const iam = await Iam.open({
      db: database.db,
      state,
      masterKey: MasterKey.random(),
      issuer: 'parley',
      audience: 'parley-api',
      accessTtlMs: 15 * 60_000,
      refreshTtlMs: 86_400_000,
      rateLimits: { userPerMinute: 10_000_000, anonymousPerMinute: 10_000_000, authPerMinute: 10_000_000 },
      throttle: { accountFailures: 1000, ipFailures: 1000, windowMs: 60_000 },
    });
    const slug = `bench-${Date.now()}`;
    const tenant = await iam.createTenant({ slug, name: 'Bench' });
    const user = await iam.createUser(tenant.id, {
      email: 'analyst@bench.test',
      password: PASSWORD,
      roles: ['analyst'],
    });
    const origin = { ip: '127.0.0.1' };
    const rows: BenchRow[] = [];

    // 1. The decision from cached effective permissions.
    const standing = (await iam.directory.user(tenant.id, user.id))!;
    const principal = {
      tenantId: tenant.id,
      subject: user.id,
      kind: 'user' as const,
      roles: standing.roles,
      permissions: standing.permissions,
    };
    const checks = quick ? 2_000_000 : 20_000_000;
    let allowed = 0;
    let start = process.hrtime.bigint();
    for (let i = 0; i < checks; i++)
      if (isAllowed(principal, i & 1 ? 'reports:generate' : 'users:manage')) allowed++;
    const checkNs = Number(process.hrtime.bigint() - start) / checks;
    if (allowed !== checks / 2) throw new Error('permission check gave wrong answers');
    rows.push({
      name: 'permission check (cached principal)',
      value: checkNs,
      unit: 'ns/op',
      better: 'lower',
      goal: { value: 1000 },
    });

    const lookups = quick ? 200_000 : 2_000_000;
    start = process.hrtime.bigint();
    for (let i = 0; i < lookups; i++) {
      const s = await iam.directory.user(tenant.id, user.id);
      if (!s || !isAllowed({ ...principal, permissions: s.permissions }, 'reports:generate'))
        throw new Error('denied');
    }
    const lookupNs = Number(process.hrtime.bigint() - start) / lookups;
    rows.push({
      name: 'cached effective-permission lookup + check',
      value: lookupNs,
      unit: 'ns/op',
      better: 'lower',
      goal: { value: 1000 },
    });

    // 2. Access-token verification: distinct tokens (signature checked), then one token again (cache hit).
    const { pair } = await iam.sessions.login(
      { tenant: slug, email: 'analyst@bench.test', password: PASSWORD },
      origin,
    );
    const fresh: string[] = [];
    for (let i = 0; i < (quick ? 2_000 : 10_000); i++)
      fresh.push(
        (await iam.tokens.issue({ userId: user.id, tenantId: tenant.id, roles: ['analyst'], epoch: 0 }))
          .token,
      );
    start = process.hrtime.bigint();
    for (const token of fresh) await iam.tokens.verify(token);
    rows.push({
      name: 'access-token verification, signature checked (EdDSA, jose)',
      value: fresh.length / (Number(process.hrtime.bigint() - start) / 1e9),
      unit: 'ops/s',
      better: 'higher',
    });
    const repeats = quick ? 200_000 : 2_000_000;
    start = process.hrtime.bigint();
    for (let i = 0; i < repeats; i++) await iam.tokens.verify(pair.accessToken);
    rows.push({
      name: 'access-token verification, repeated token (verified cache)',
      value: repeats / (Number(process.hrtime.bigint() - start) / 1e9),
      unit: 'ops/s',
      better: 'higher',
    });

    // 3. Login latency: dominated by argon2id (19 MiB, t=2) by design.
    const logins: number[] = [];
    for (let i = 0; i < (quick ? 10 : 40); i++) {
      const t0 = performance.now();
      await iam.sessions.login({ tenant: slug, email: 'analyst@bench.test', password: PASSWORD }, origin);
      logins.push(performance.now() - t0);
    }
    logins.sort((a, b) => a - b);
    rows.push({
      name: 'login p50 (argon2id verify + tokens)',
      value: percentile(logins, 50),
      unit: 'ms',
      better: 'lower',
    });

    // 4. The audit commit on its own. Its floor: a one-row INSERT + COMMIT (WAL flush), one at a
    // time. Then the group-committed log with 50 writers appending as fast as they can.
    await database.db.execute(sql`CREATE TABLE bench_commit_floor (id bigserial PRIMARY KEY, v text)`);
    const floor: number[] = [];
    for (let i = 0; i < (quick ? 300 : 2000); i++) {
      const t0 = performance.now();
      await database.db.execute(sql`INSERT INTO bench_commit_floor (v) VALUES (${'x'})`);
      floor.push(performance.now() - t0);
    }
    floor.sort((a, b) => a - b);
    rows.push({
      name: 'one-row INSERT + COMMIT, sequential (commit floor) p50',
      value: percentile(floor, 50),
      unit: 'ms',
      better: 'lower',
    });
    const auditLog = new AuditLog(database.db, systemClock);
    const record = (i: number) =>
      auditLog.append({
        tenantId: tenant.id,
        kind: 'request',
        actor: `user:${user.id}`,
        action: 'reports:generate',
        decision: 'allow',
        status: 200,
        route: 'GET /bench',
        ip: '127.0.0.1',
        userAgent: 'bench',
        requestId: `req-${i}`,
        latencyMs: 1,
      });
    await record(0);
    const appends: number[] = [];
    const total = quick ? 10_000 : 50_000;
    let issued = 0;
    start = process.hrtime.bigint();
    await Promise.all(
      Array.from({ length: 50 }, async () => {
        while (issued < total) {
          const i = issued++;
          const t0 = performance.now();
          await record(i);
          appends.push(performance.now() - t0);
        }
      }),
    );
    const appendSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    appends.sort((a, b) => a - b);
    rows.push(
      {
        name: 'audit log alone, 50 writers: records/s',
        value: total / appendSeconds,
        unit: 'rec/s',
        better: 'higher',
      },
      {
        name: 'audit log alone, 50 writers: append p95 (queued + committed)',
        value: percentile(appends, 95),
        unit: 'ms',
        better: 'lower',
      },
    );

    // 5. A protected route through the whole pipeline vs a bare route: one HTTP server, alternating
    // rounds with the same connections, medians over rounds (see http-comparison.ts).
    const bare = Fastify();
    bare.get('/bare', async () => ({ ok: true }));
    const protectedApp = (owner: Iam, path: string) => {
      const app = Fastify();
      installProblemHandlers(app);
      requireDeclaredAccess(app);
      installAccessControl(app, owner);
      app.register(iamRoutes(owner)); // a realistic router; loaded by app.ready()
      app.get(path, { config: { permission: 'reports:generate' } }, async () => ({ ok: true }));
      return app;
    };
    const app = protectedApp(iam, '/bench');
    // A breakdown probe, not a product setting: the same pipeline with the audit write skipped,
    // to show how much of the difference is the audit commit.
    const withoutAudit = Object.create(iam, { audit: { value: { append: async () => {} } } }) as Iam;
    const unaudited = protectedApp(withoutAudit, '/unaudited/bench');
    const plan = {
      rounds: quick ? 3 : 7,
      connections: 50,
      durationSeconds: quick ? 3 : 10,
      warmupSeconds: quick ? 1 : 3,
    };
    try {
      log(
        `bare, unaudited probe and protected on ${database.kind}, ${stateKind} state: ${plan.rounds} alternating rounds of ${plan.durationSeconds}s`,
      );
      const { rounds, medians, ratios } = await compareRoutes({
        apps: [
          { prefix: '/bare', app: bare },
          { prefix: '/unaudited', app: unaudited },
          { prefix: '/', app },
        ],
        targets: (origin) => [
          { name: 'bare', url: `${origin}/bare` },
          {
            name: 'unaudited',
            url: `${origin}/unaudited/bench`,
            headers: { authorization: `Bearer ${pair.accessToken}` },
          },
          {
            name: 'protected',
            url: `${origin}/bench`,
            headers: { authorization: `Bearer ${pair.accessToken}` },
          },
        ],
        baseline: 'bare',
        plan,
      });
      for (const r of rounds)
        log(
          `round ${r.round} ${r.target}: ${Math.round(r.requestsPerSecond)} req/s, p50 ${r.p50.toFixed(2)} ms, p95 ${r.p95.toFixed(2)} ms, p99 ${r.p99.toFixed(2)} ms${r.non2xx || r.errors ? `, ${r.non2xx} non-2xx, ${r.errors} errors` : ''}`,
        );
      const full = medians.protected!;
      const base = medians.bare!;
      for (const name of ['protected', 'unaudited']) {
        const ratio = ratios[name]!;
        log(
          `median per-round ratio ${name}/bare: req/s ${ratio.requestsPerSecond.toFixed(2)}, p50 ${ratio.p50.toFixed(2)}, p95 ${ratio.p95.toFixed(2)}`,
        );
      }
      const probe = medians.unaudited!;
      const peer = (value: number) => ({ name: 'bare route, same server', value });
      rows.push(
        {
          name: 'protected route req/s (median of rounds)',
          value: full.requestsPerSecond,
          unit: 'req/s',
          better: 'higher',
          peer: peer(base.requestsPerSecond),
        },
        { name: 'protected route p50', value: full.p50, unit: 'ms', better: 'lower', peer: peer(base.p50) },
        {
          name: 'protected route p95',
          value: full.p95,
          unit: 'ms',
          better: 'lower',
          peer: peer(base.p95),
        },
        {
          // The goal, on pairs measured back to back: robust to load drifting between rounds.
          name: 'protected/bare p95 (median of per-round ratios)',
          value: ratios.protected!.p95,
          unit: 'x',
          better: 'lower',
          goal: { value: 3 },
        },
        {
          name: 'protected/bare req/s (median of per-round ratios)',
          value: ratios.protected!.requestsPerSecond,
          unit: 'x',
          better: 'higher',
        },
        {
          name: 'same pipeline, audit write skipped (probe) req/s',
          value: probe.requestsPerSecond,
          unit: 'req/s',
          better: 'higher',
          peer: peer(base.requestsPerSecond),
        },
        {
          name: 'same pipeline, audit write skipped (probe) p95',
          value: probe.p95,
          unit: 'ms',
          better: 'lower',
          peer: peer(base.p95),
        },
      );
    } finally {
      await app.close();
      await unaudited.close();
      await bare.close();
      await iam.close();
      await closeState();
      await database.close();
    }
    return rows;
  },
};

export default suite;
