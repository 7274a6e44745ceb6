import { ManualClock } from '@parley/kit';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLATFORM_TENANT } from '../src/audit/log.js';
import { queryAudit } from '../src/audit/query.js';
import { MemoryState } from '../src/shared/memory.js';
import { bearer, createTestHttp, createTestIam, seedTenants, startIamApp, type TestIam } from './helpers.js';

describe('rate limits', () => {
  let t: TestIam;
  let app: FastifyInstance;
  let close = async () => {};
  beforeAll(async () => {
    ({ t, app, close } = await startIamApp({
      rateLimits: { userPerMinute: 5, anonymousPerMinute: 4, authPerMinute: 3 },
    }));
  });
  afterAll(() => close());

  it('counts per user, with RateLimit headers, and answers 429 with Retry-After as problem+json', async () => {
    // Logins from distinct client addresses so the auth limit does not interfere.
    const loginFrom = async (email: string, remoteAddress: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        remoteAddress,
        payload: { tenant: 'acme', email, password: 'tidal-ferret-copper-92' },
      });
      return res.json().accessToken as string;
    };
    const analyst = await loginFrom('analyst@acme.test', '10.0.0.1');
    const admin = await loginFrom('admin@acme.test', '10.0.0.2');
    const seen: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await app.inject({ url: '/v1/reports', headers: bearer(analyst) });
      expect(res.statusCode).toBe(200);
      expect(res.headers['ratelimit-limit']).toBe('5');
      seen.push(Number(res.headers['ratelimit-remaining']));
      expect(Number(res.headers['ratelimit-reset'])).toBeGreaterThan(0);
    }
    expect(seen).toEqual([4, 3, 2, 1, 0]);
    const limited = await app.inject({ url: '/v1/reports', headers: bearer(analyst) });
    expect(limited.statusCode).toBe(429);
    expect(limited.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(limited.json().type).toBe('urn:parley:problem:rate-limited');
    // Another user has their own budget.
    expect((await app.inject({ url: '/v1/reports', headers: bearer(admin) })).statusCode).toBe(200);
  });

  it('anonymous callers are counted per IP address', async () => {
    for (let i = 0; i < 4; i++)
      expect((await app.inject({ url: '/v1/open', remoteAddress: '10.1.1.1' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/open', remoteAddress: '10.1.1.1' })).statusCode).toBe(429);
    // Refused requests are audited like any other.
    const refused = await queryAudit(t.database.db, PLATFORM_TENANT, { decision: 'deny', limit: 5 });
    expect(refused.records[0]).toMatchObject({ status: 429, ip: '10.1.1.1', route: 'GET /v1/open' });
    expect((await app.inject({ url: '/v1/open', remoteAddress: '10.1.1.2' })).statusCode).toBe(200);
  });

  it('login and refresh have a stricter per-IP limit', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/auth/refresh',
        remoteAddress: '10.2.2.2',
        payload: { refreshToken: 'nope' },
      });
      statuses.push(res.statusCode);
    }
    expect(statuses).toEqual([401, 401, 401, 429]);
  });
});

describe('per-tenant and per-role limits', () => {
  it('a tenant setting overrides the global limit, and a role limit overrides the tenant one', async () => {
    const t = await createTestIam({
      rateLimits: { userPerMinute: 3, anonymousPerMinute: 100, authPerMinute: 100 },
    });
    const tenants = await seedTenants(t.iam);
    const app = await createTestHttp(t.iam);
    await t.iam.setTenantRateLimits(tenants.acme.id, { userPerMinute: 5, roles: { analyst: 7 } });
    await expect(t.iam.setTenantRateLimits(tenants.acme.id, { userPerMinute: 0 })).rejects.toThrow(
      /at least 1/,
    );
    const limitOf = async (tenant: string, email: string) => {
      const res = await app.inject({
        method: 'POST',
        url: '/v1/auth/login',
        payload: { tenant, email, password: 'tidal-ferret-copper-92' },
      });
      const check = await app.inject({
        method: 'POST',
        url: '/v1/authz/check',
        headers: bearer(res.json().accessToken),
        payload: { permission: 'sales:query' },
      });
      return check.headers['ratelimit-limit'];
    };
    expect(await limitOf('acme', 'guest@acme.test')).toBe('5');
    expect(await limitOf('acme', 'analyst@acme.test')).toBe('7');
    expect(await limitOf('globex', 'analyst@globex.test')).toBe('3');
    await app.close();
    await t.close();
  });
});

describe('sliding window (in-process)', () => {
  it('frees slots as hits leave the window, not all at once at a boundary', async () => {
    const clock = new ManualClock(1_000_000);
    const state = new MemoryState(clock);
    for (let i = 0; i < 3; i++) {
      expect((await state.slidingWindow('k', 3, 60_000, true)).allowed).toBe(true);
      clock.advance(10_000);
    }
    const full = await state.slidingWindow('k', 3, 60_000, true);
    expect(full).toEqual({ allowed: false, limit: 3, remaining: 0, resetMs: 30_000 });
    clock.advance(30_001);
    expect((await state.slidingWindow('k', 3, 60_000, true)).allowed).toBe(true);
    expect((await state.slidingWindow('k', 3, 60_000, true)).allowed).toBe(false);
  });
});
