import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Answerer } from '../../src/analytics/answerer.js';
import { AnswerCache } from '../../src/analytics/cache.js';
import { createSalesFixture, NOW, type SalesFixture } from './fixtures.js';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DAY = 86_400_000;
const ALL = ['sales:query', 'sales:query_detail'];

let redis: Redis;
/** A prefix of this run, so parallel runs on the shared Redis never meet. */
const prefix = () => `parley:test:${randomUUID()}`;
const open: { close(): Promise<void> }[] = [];

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(async () => {
  for (const o of open) await o.close();
  redis.disconnect();
});

function cache(options: ConstructorParameters<typeof AnswerCache>[0] = {}) {
  const c = new AnswerCache({ redis, ...options });
  open.push(c);
  return c;
}

const until = async (check: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('AnswerCache on Redis', () => {
  it('computes a key once for many concurrent callers in two processes, then serves it from L1 and Redis', async () => {
    const shared = prefix();
    const a = cache({ prefix: shared });
    const b = cache({ prefix: shared });
    let computed = 0;
    const compute = async () => {
      computed++;
      await new Promise((r) => setTimeout(r, 150));
      return { revenue: 42 };
    };
    const key = a.key('t1', 1, 'plan');
    const results = await Promise.all([
      ...Array.from({ length: 10 }, () => a.getOrCompute('t1', key, compute)),
      ...Array.from({ length: 10 }, () => b.getOrCompute('t1', key, compute)),
    ]);
    expect(computed).toBe(1);
    expect(results.every((r) => r.value.revenue === 42)).toBe(true);
    expect(results.filter((r) => r.source === 'redis').length).toBeGreaterThan(0);
    expect((await a.getOrCompute('t1', key, compute)).source).toBe('l1');
    expect(JSON.parse((await redis.get(key))!)).toEqual({ revenue: 42 });
    expect(await redis.ttl(key)).toBeGreaterThan(3000);
  });

  it('a version announcement reaches another process and drops its L1 entries of that tenant', async () => {
    const shared = prefix();
    const a = cache({ prefix: shared });
    const b = cache({ prefix: shared });
    await a.start();
    await b.start();
    let loads = 0;
    const load = async () => {
      loads++;
      return 1;
    };
    expect(await b.version('t1', load)).toBe(1);
    await b.getOrCompute('t1', b.key('t1', 1, 'p'), async () => 'old');
    await b.getOrCompute('t2', b.key('t2', 1, 'p'), async () => 'other tenant');
    await a.announce('t1', 2);
    let seen = 0;
    await until(() => {
      void b
        .version('t1', async () => 0)
        .then((v) => {
          seen = v;
        });
      return seen === 2;
    });
    expect(loads).toBe(1);
    // t1's old entry is gone from L1 (it comes from Redis now); t2's is untouched.
    expect((await b.getOrCompute('t1', b.key('t1', 1, 'p'), async () => 'x')).source).toBe('redis');
    expect((await b.getOrCompute('t2', b.key('t2', 1, 'p'), async () => 'x')).source).toBe('l1');
  });

  it('keeps answering from the database when Redis is unreachable', async () => {
    const dead = new Redis('redis://127.0.0.1:1', {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
      retryStrategy: () => null,
    });
    dead.on('error', () => {});
    const c = new AnswerCache({ redis: dead, prefix: prefix() });
    await c.start();
    expect(await c.getOrCompute('t1', c.key('t1', 1, 'p'), async () => 7)).toEqual({
      value: 7,
      source: 'computed',
    });
    await c.close();
    dead.disconnect();
  });
});

describe('a warehouse refresh makes cached answers unreachable', () => {
  let f: SalesFixture;
  beforeAll(async () => {
    f = await createSalesFixture(3000);
  }, 120_000);
  afterAll(() => f?.database.close());

  it('appends the new days, bumps the version and the next answer reflects the new data', async () => {
    const answerer = new Answerer({ db: f.database.db, clock: f.clock, redis, cache: { prefix: prefix() } });
    open.push(answerer);
    await answerer.start();
    const question = 'revenue in the last 7 days';
    const before = await answerer.answer({ tenantId: f.acme, permissions: ALL, question, now: NOW });
    const seeded = before.dataVersion!;
    expect(seeded).toBeGreaterThan(0);
    const again = await answerer.answer({ tenantId: f.acme, permissions: ALL, question, now: NOW });
    expect(again.table).toEqual(before.table);

    // Two days later: the refresh appends the two missing days (up to yesterday).
    f.clock.set(NOW + 2 * DAY);
    const refreshed = await answerer.warehouse.refresh(f.acme);
    expect(refreshed.days).toEqual(['2026-03-15', '2026-03-16']);
    expect(refreshed.rows).toBeGreaterThan(0);
    expect(refreshed.version.version).toBe(seeded + 1);
    expect((await answerer.warehouse.refresh(f.acme)).rows).toBe(0);

    const after = await answerer.answer({ tenantId: f.acme, permissions: ALL, question, now: NOW + 2 * DAY });
    expect(after.dataVersion).toBe(seeded + 1);
    expect(after.plan?.timeRange).toEqual({ start: '2026-03-10', end: '2026-03-17', grain: 'day' });
    // The same question at the old "now" covers days that did not change, yet is recomputed under the new version.
    const old = await answerer.answer({ tenantId: f.acme, permissions: ALL, question, now: NOW });
    expect(old.dataVersion).toBe(seeded + 1);
    expect(old.table).toEqual(before.table);
    const keys = await redis.keys(`${answerer.cache.key(f.acme, seeded + 1, '')}*`);
    expect(keys.length).toBe(2);
  });
});
