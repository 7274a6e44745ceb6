import { randomUUID } from 'node:crypto';
import { withTenant } from '@parley/db';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Answerer } from '../../src/analytics/answerer.js';
import { SalesRefreshJob } from '../../src/analytics/refresh-job.js';
import { readDataVersion } from '../../src/warehouse/version.js';
import { createSalesFixture, NOW, type SalesFixture } from './fixtures.js';

const DAY = 86_400_000;
let f: SalesFixture;
let redis: Redis;
const prefix = `parley:test:${randomUUID()}`;

beforeAll(async () => {
  f = await createSalesFixture(2000);
  redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
}, 120_000);
afterAll(async () => {
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await f?.database.close();
});

const version = (tenantId: string) =>
  withTenant(f.database.db, tenantId, (tx) => readDataVersion(tx, tenantId));

it('the repeatable job appends the missing days of every tenant with a warehouse, once per interval, on BullMQ', async () => {
  const answerer = new Answerer({ db: f.database.db, clock: f.clock, redis, cache: { prefix } });
  const before = { acme: await version(f.acme), globex: await version(f.globex) };
  f.clock.set(NOW + 3 * DAY);
  // Two processes start the job: the scheduler is one, so each interval's run happens once.
  const jobs = await Promise.all(
    [0, 1].map(() =>
      SalesRefreshJob.start({
        redis,
        db: f.database.db,
        warehouse: answerer.warehouse,
        everyMs: 300,
        prefix: `${prefix}:bull`,
      }),
    ),
  );
  try {
    const deadline = Date.now() + 20_000;
    while (
      (await version(f.acme)).version === before.acme.version ||
      (await version(f.globex)).version === before.globex.version
    ) {
      if (Date.now() > deadline) throw new Error('the refresh job did not run');
      await new Promise((r) => setTimeout(r, 100));
    }
    // Later runs find nothing new to append, so the versions stay put.
    await new Promise((r) => setTimeout(r, 1200));
    const acme = await version(f.acme);
    expect(acme).toEqual({ version: before.acme.version + 1, through: '2026-03-17' });
    expect((await version(f.globex)).version).toBe(before.globex.version + 1);
    expect(await version(f.empty)).toEqual({ version: 0 });
  } finally {
    for (const job of jobs) await job.close();
    await answerer.close();
  }
}, 60_000);
