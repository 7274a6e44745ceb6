import { randomUUID } from 'node:crypto';
import { FlowProducer, type Job, Queue, QueueEvents, Worker, type WorkerOptions } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type CacheServer, startCacheServer } from '../../src/index.js';
import { removeKeys } from '../scripting/shared.js';

/**
 * BullMQ, unmodified, against Parley cache and against the real Redis at 127.0.0.1:6379: the same
 * scenarios on both, so any difference in behaviour shows up side by side. Every test uses its own
 * key prefix and removes only its own keys from the shared Redis.
 */
interface Target {
  name: string;
  port: () => number;
}

let parley: CacheServer;
beforeAll(async () => {
  parley = await startCacheServer({ port: 0, host: '127.0.0.1', maxmemoryPolicy: 'noeviction' });
});
afterAll(async () => {
  await parley.close();
});

const targets: Target[] = [
  { name: 'Parley cache', port: () => parley.port },
  { name: 'Redis', port: () => 6379 },
];

/** Waits for `predicate`, polling, up to `ms`. */
async function until(predicate: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.each(targets)('BullMQ on $name', (target) => {
  const closers: (() => Promise<unknown>)[] = [];
  let base = '';
  let prefix = '';
  let count = 0;
  const connection = () => ({ host: '127.0.0.1', port: target.port(), maxRetriesPerRequest: null });
  const queue = (name = 'q') => track(new Queue(name, { connection: connection(), prefix }));
  const worker = <T = unknown, R = unknown>(
    processor: (job: Job<T, R>) => Promise<R>,
    options: Partial<WorkerOptions> = {},
    name = 'q',
  ) => track(new Worker<T, R>(name, processor, { connection: connection(), prefix, ...options }));
  function track<T extends { close(): Promise<unknown> }>(resource: T): T {
    closers.push(() => resource.close());
    return resource;
  }

  beforeAll(() => {
    base = `parley-bullmq:${randomUUID()}`;
  });
  beforeEach(() => {
    prefix = `${base}:${++count}`;
  });
  afterEach(async () => {
    for (const close of closers.splice(0).reverse()) await close();
  });
  afterAll(async () => {
    const redis = new Redis({ host: '127.0.0.1', port: target.port() });
    await removeKeys(redis, base);
    redis.disconnect();
  });

  it('adds and processes jobs', async () => {
    const q = queue();
    await q.addBulk([1, 2, 3, 4, 5].map((n) => ({ name: 'square', data: { n } })));
    const done: number[] = [];
    worker<{ n: number }, number>(async (job) => job.data.n * job.data.n, { concurrency: 2 }).on(
      'completed',
      (_job, result) => done.push(result),
    );
    await until(() => done.length === 5);
    expect(done.sort((a, b) => a - b)).toEqual([1, 4, 9, 16, 25]);
    expect(await q.getJobCounts('completed', 'wait', 'active')).toEqual({ completed: 5, wait: 0, active: 0 });
  });

  it('runs a delayed job after its delay', async () => {
    const q = queue();
    const job = await q.add('later', {}, { delay: 300 });
    expect(await job.getState()).toBe('delayed');
    let processedAt = 0;
    worker(async () => {
      processedAt = Date.now();
    });
    await until(() => processedAt > 0);
    expect(processedAt - job.timestamp).toBeGreaterThanOrEqual(300);
  });

  it('processes prioritized jobs in priority order', async () => {
    const q = queue();
    await q.add('low', {}, { priority: 10 });
    await q.add('high', {}, { priority: 1 });
    await q.add('mid', {}, { priority: 5 });
    await q.add('plain', {});
    const order: string[] = [];
    worker(async (job) => {
      order.push(job.name);
    });
    await until(() => order.length === 4);
    // Jobs without a priority come first, then by ascending priority.
    expect(order).toEqual(['plain', 'high', 'mid', 'low']);
  });

  it('retries a failing job with backoff', async () => {
    const q = queue();
    const attempts: number[] = [];
    worker(async (job) => {
      if (job.name === 'doomed') throw new Error(`failure ${job.attemptsMade + 1}`);
      attempts.push(Date.now());
      if (attempts.length < 3) throw new Error(`failure ${attempts.length}`);
      return 'finally';
    });
    const job = await q.add('flaky', {}, { attempts: 3, backoff: { type: 'fixed', delay: 100 } });
    await until(async () => (await job.getState()) === 'completed');
    const done = (await q.getJob(job.id!))!;
    expect(done.returnvalue).toBe('finally');
    expect(done.attemptsMade).toBe(3);
    expect(attempts[1]! - attempts[0]!).toBeGreaterThanOrEqual(100);
    expect(attempts[2]! - attempts[1]!).toBeGreaterThanOrEqual(100);

    const failing = await q.add('doomed', {}, { attempts: 2, backoff: { type: 'exponential', delay: 20 } });
    await until(async () => (await failing.getState()) === 'failed');
    const failed = (await q.getJob(failing.id!))!;
    expect(failed.attemptsMade).toBe(2);
    expect(failed.failedReason).toMatch(/^failure \d$/);
  });

  it('produces repeatable jobs from a job scheduler', async () => {
    const q = queue();
    await q.upsertJobScheduler('every-150ms', { every: 150 }, { name: 'tick', data: { kind: 'tick' } });
    const ticks: Job[] = [];
    worker(async (job) => {
      ticks.push(job);
    });
    await until(() => ticks.length >= 3);
    expect(ticks.every((job) => job.name === 'tick' && job.data.kind === 'tick')).toBe(true);
    const schedulers = await q.getJobSchedulers();
    expect(schedulers.map((s) => s.key)).toEqual(['every-150ms']);
    expect(await q.removeJobScheduler('every-150ms')).toBe(true);
    expect(await q.getJobSchedulers()).toEqual([]);
  });

  it('runs a flow: the parent after its children, with their results', async () => {
    const flows = track(new FlowProducer({ connection: connection(), prefix }));
    const tree = await flows.add({
      name: 'sum',
      queueName: 'parents',
      children: [
        { name: 'part', queueName: 'children', data: { n: 2 } },
        { name: 'part', queueName: 'children', data: { n: 3 } },
      ],
    });
    expect(await tree.job.getState()).toBe('waiting-children');
    worker<{ n: number }, number>(async (job) => job.data.n * 10, {}, 'children');
    let total = 0;
    worker(
      async (job) => {
        const values = Object.values(await job.getChildrenValues<number>());
        total = values.reduce((a, b) => a + b, 0);
        return total;
      },
      {},
      'parents',
    );
    await until(() => total > 0);
    expect(total).toBe(50);
  });

  it('limits the rate of a worker', async () => {
    const q = queue();
    await q.addBulk(Array.from({ length: 6 }, (_, i) => ({ name: 'limited', data: { i } })));
    const times: number[] = [];
    worker(
      async () => {
        times.push(Date.now());
      },
      { concurrency: 6, limiter: { max: 2, duration: 300 } },
    );
    await until(() => times.length === 6);
    // Six jobs at two per 300 ms need at least two full windows after the first.
    expect(times[5]! - times[0]!).toBeGreaterThanOrEqual(550);
  });

  it('recovers a stalled job and processes it on another worker', async () => {
    const q = queue();
    const job = await q.add('stuck', { v: 1 });
    let started = false;
    // A crashed worker: it takes the job, never finishes it and does not renew its lock.
    const first = worker(
      async () => {
        started = true;
        await new Promise(() => {});
      },
      { lockDuration: 300, skipLockRenewal: true, skipStalledCheck: true },
    );
    await until(() => started);
    await first.close(true);
    const stalled: string[] = [];
    let result = '';
    worker(
      async (j) => {
        result = `${j.id} recovered`;
        return result;
      },
      { lockDuration: 300, stalledInterval: 150 },
    ).on('stalled', (id) => stalled.push(id));
    await until(() => result !== '', 8000);
    expect(result).toBe(`${job.id} recovered`);
    expect(stalled).toEqual([job.id]);
  });

  it('reports job events through QueueEvents', async () => {
    const q = queue();
    // From the start of the (new) event stream, so events before the first XREAD are not missed.
    const events = track(new QueueEvents('q', { connection: connection(), prefix, lastEventId: '0-0' }));
    await events.waitUntilReady();
    const seen: string[] = [];
    events.on('added', ({ jobId }) => seen.push(`added:${jobId}`));
    events.on('completed', ({ jobId, returnvalue }) => seen.push(`completed:${jobId}:${returnvalue}`));
    events.on('failed', ({ jobId, failedReason }) => seen.push(`failed:${jobId}:${failedReason}`));
    worker(async (job) => {
      if ((job.data as { fail?: boolean }).fail) throw new Error('nope');
      return 'ok';
    });
    const good = await q.add('good', { fail: false });
    expect(await good.waitUntilFinished(events, 5000)).toBe('ok');
    const bad = await q.add('bad', { fail: true });
    await expect(bad.waitUntilFinished(events, 5000)).rejects.toThrow('nope');
    await until(() => seen.length >= 4);
    expect(seen).toEqual([
      `added:${good.id}`,
      `completed:${good.id}:ok`,
      `added:${bad.id}`,
      `failed:${bad.id}:nope`,
    ]);
  });
});
