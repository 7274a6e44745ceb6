import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import type { FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { MasterKey } from '../src/crypto/master-key.js';
import { Iam } from '../src/iam.js';
import { RedisState } from '../src/shared/redis.js';
import type { Invalidation } from '../src/shared/state.js';
import { bearer, createTestHttp, iamOptions, login, seedTenants } from './helpers.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Two "processes": separate Redis connections and IAM instances sharing one prefix. */
describe('shared state on a real Redis', () => {
  const prefix = `parley-test:${randomUUID()}:`;
  const clients: Redis[] = [];
  let a: RedisState;
  let b: RedisState;

  const client = () => {
    const redis = new Redis(REDIS_URL);
    clients.push(redis);
    return redis;
  };

  beforeAll(() => {
    a = new RedisState(client(), { prefix });
    b = new RedisState(client(), { prefix });
  });
  afterAll(async () => {
    const cleaner = clients[0]!;
    const keys = await cleaner.keys(`${prefix}*`);
    if (keys.length > 0) await cleaner.del(...keys);
    await a.close();
    await b.close();
    for (const c of clients) c.disconnect();
  });

  it('one sliding window across processes, timed by the Redis server clock', async () => {
    const results = [];
    for (let i = 0; i < 6; i++) results.push(await (i % 2 ? a : b).slidingWindow('user:x', 4, 60_000, true));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, true, false, false]);
    expect(results.map((r) => r.remaining)).toEqual([3, 2, 1, 0, 0, 0]);
    expect(results[5]!.resetMs).toBeGreaterThan(59_000);
    const peek = await a.slidingWindow('user:x', 4, 60_000, false);
    expect(peek.allowed).toBe(false);
    await a.resetWindow('user:x');
    expect((await b.slidingWindow('user:x', 4, 60_000, true)).remaining).toBe(3);
  });

  it('short windows expire', async () => {
    expect((await a.slidingWindow('short', 1, 200, true)).allowed).toBe(true);
    expect((await b.slidingWindow('short', 1, 200, true)).allowed).toBe(false);
    await new Promise((r) => setTimeout(r, 250));
    expect((await b.slidingWindow('short', 1, 200, true)).allowed).toBe(true);
  });

  it('the jti deny-list is shared and expires with the token', async () => {
    const admit = (jti: string) => b.admit({ jti, windows: [], windowMs: 60_000 });
    await a.denyToken('jti-1', 300);
    expect((await admit('jti-1')).tokenDenied).toBe(true);
    expect((await admit('jti-2')).tokenDenied).toBe(false);
    await new Promise((r) => setTimeout(r, 350));
    expect((await admit('jti-1')).tokenDenied).toBe(false);
  });

  it('one admission checks the deny-list and consumes the windows in order, atomically', async () => {
    const windows = [
      { key: 'adm:user', limit: 2 },
      { key: 'adm:ip', limit: 5 },
    ];
    const admit = (jti?: string) => a.admit({ jti, windows, windowMs: 60_000 });
    const first = await admit('jti-ok');
    expect(first).toMatchObject({ tokenDenied: false, windows: [{ remaining: 1 }, { remaining: 4 }] });
    await b.denyToken('jti-revoked', 60_000);
    // A revoked token consumes nothing.
    expect(await admit('jti-revoked')).toEqual({ tokenDenied: true, windows: [] });
    expect((await admit()).windows.map((w) => w.remaining)).toEqual([0, 3]);
    // The first full window stops the rest: the second one is not charged.
    const full = await admit();
    expect(full.windows).toHaveLength(1);
    expect(full.windows[0]).toMatchObject({ allowed: false, limit: 2, remaining: 0 });
    expect((await b.slidingWindow('adm:ip', 5, 60_000, false)).remaining).toBe(3);
  });

  it('admissions of the same turn go in one call and each is applied alone, in order', async () => {
    await b.denyToken('jti-batch-revoked', 60_000);
    const window = (key: string, limit: number) => [{ key, limit }];
    const calls = vi.spyOn(clients[0]!, 'parleyAdmit');
    const results = await Promise.all([
      a.admit({ jti: 'jti-batch-1', windows: window('batch:user', 2), windowMs: 60_000 }),
      a.admit({ jti: 'jti-batch-revoked', windows: window('batch:user', 2), windowMs: 60_000 }),
      a.admit({ windows: [], windowMs: 60_000 }),
      a.admit({ jti: 'jti-batch-2', windows: window('batch:user', 2), windowMs: 60_000 }),
      a.admit({ windows: [...window('batch:user', 2), ...window('batch:ip', 9)], windowMs: 60_000 }),
      a.admit({ windows: window('batch:short', 1), windowMs: 200 }),
      a.admit({ jti: 'jti-batch-revoked', windows: window('batch:other', 5), windowMs: 60_000 }),
      a.admit({ windows: window('batch:zero', 0), windowMs: 60_000 }),
      a.admit({ windows: window('batch:zero', 1), windowMs: 60_000 }),
    ]);
    expect(calls).toHaveBeenCalledTimes(1);
    calls.mockRestore();
    expect(results.map((r) => r.tokenDenied)).toEqual([
      false,
      true,
      false,
      false,
      false,
      false,
      true,
      false,
      false,
    ]);
    expect(results.map((r) => r.windows.map((w) => [w.allowed, w.remaining]))).toEqual([
      [[true, 1]],
      [],
      [],
      [[true, 0]],
      // Full: the second window is neither checked nor charged.
      [[false, 0]],
      [[true, 0]],
      [],
      [[false, 0]],
      [[true, 0]],
    ]);
    expect((await b.slidingWindow('batch:ip', 9, 60_000, false)).remaining).toBe(9);
    // Windows touched several times in the call expire like any other.
    for (const key of ['batch:user', 'batch:zero']) {
      const ttl = await clients[0]!.pttl(`${prefix}rl:${key}`);
      expect(ttl).toBeGreaterThan(50_000);
      expect(ttl).toBeLessThanOrEqual(60_000);
    }
    expect(await clients[0]!.exists(`${prefix}rl:batch:other`)).toBe(0);
    // Each admission kept its own window length.
    expect(results[5]!.windows[0]!.resetMs).toBeLessThanOrEqual(200);
    await new Promise((r) => setTimeout(r, 250));
    expect((await b.admit({ windows: window('batch:short', 1), windowMs: 200 })).windows[0]!.allowed).toBe(
      true,
    );
  });

  it('invalidations reach the other process', async () => {
    const received: Invalidation[] = [];
    b.subscribe((m) => received.push(m));
    await b.ready();
    await a.publish({ type: 'tenant', tenantId: 't1' });
    for (let i = 0; i < 50 && received.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(received).toEqual([{ type: 'tenant', tenantId: 't1' }]);
  });
});

describe('two API processes on one database and one Redis', () => {
  const prefix = `parley-test:${randomUUID()}:`;
  const clients: Redis[] = [];
  let database: TestDatabase;
  let one: Iam;
  let two: Iam;
  let tenants: Awaited<ReturnType<typeof seedTenants>>;
  let appOne: FastifyInstance;
  let appTwo: FastifyInstance;

  beforeAll(async () => {
    database = await createTestDatabase();
    // Both processes share the master key, as a deployment does, so either can use the signing key.
    const masterKey = MasterKey.random();
    const open = async () => {
      const redis = new Redis(REDIS_URL);
      clients.push(redis);
      const state = new RedisState(redis, { prefix });
      const options = iamOptions(database, state);
      const iam = await Iam.open({
        ...options,
        masterKey,
        rateLimits: { ...options.rateLimits, userPerMinute: 10 },
      });
      await state.ready();
      return iam;
    };
    one = await open();
    two = await open();
    tenants = await seedTenants(one);
    appOne = await createTestHttp(one);
    appTwo = await createTestHttp(two);
  });
  afterAll(async () => {
    const keys = await clients[0]!.keys(`${prefix}*`);
    if (keys.length > 0) await clients[0]!.del(...keys);
    await appOne?.close();
    await appTwo?.close();
    await one?.close();
    await two?.close();
    for (const c of clients) c.disconnect();
    await database?.close();
  });

  it('a role change in one process applies in the other at once', async () => {
    const guest = await login(appOne, 'acme', 'guest@acme.test');
    expect((await appTwo.inject({ url: '/v1/reports', headers: bearer(guest.accessToken) })).statusCode).toBe(
      403,
    );
    await one.setUserRoles(tenants.acme.id, tenants.acme.users.guest!, ['analyst']);
    let status = 0;
    for (let i = 0; i < 50 && status !== 200; i++) {
      status = (await appTwo.inject({ url: '/v1/reports', headers: bearer(guest.accessToken) })).statusCode;
      if (status !== 200) await new Promise((r) => setTimeout(r, 10));
    }
    expect(status).toBe(200);
  });

  it('the per-user limit (10/min here) holds across both processes', async () => {
    const { accessToken } = await login(appOne, 'globex', 'analyst@globex.test');
    const statuses: number[] = [];
    for (let i = 0; i < 16; i++) {
      const app = i % 2 === 0 ? appOne : appTwo;
      statuses.push((await app.inject({ url: '/v1/reports', headers: bearer(accessToken) })).statusCode);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(10);
    expect(statuses.slice(10).every((s) => s === 429)).toBe(true);
  });

  it('a key revoked in one process is refused by the other at once', async () => {
    const { accessToken } = await login(appTwo, 'acme', 'admin@acme.test');
    expect((await appTwo.inject({ url: '/v1/open', headers: bearer(accessToken) })).statusCode).toBe(200);
    await one.rotateKeys(true);
    let status = 0;
    for (let i = 0; i < 50 && status !== 401; i++) {
      status = (
        await appTwo.inject({
          method: 'POST',
          url: '/v1/authz/check',
          headers: bearer(accessToken),
          payload: { permission: 'audit:read' },
        })
      ).statusCode;
      if (status !== 401) await new Promise((r) => setTimeout(r, 10));
    }
    expect(status).toBe(401);
  });
});
