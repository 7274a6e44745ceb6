import { createLogger, newId } from '@parley/kit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { builtInAnalyst, type NarrationProvider } from '../../src/llm/index.js';
import type { AnalysisResult } from '../../src/narrative/index.js';
import { NarrationTasks, type NarrationTasksOptions } from '../../src/tasks/index.js';
import { collect } from './collect.js';

// Real BullMQ on a real server: Redis, or Parley's cache server when REDIS_URL points at one.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'silent' });
const result: AnalysisResult = {
  metric: 'revenue',
  range: { start: '2025-01-01', end: '2025-04-01' },
  grain: 'quarter',
  total: 300,
};
const data = (tenantId = 'tenant-a', subject = 'user-1') => ({
  tenantId,
  subject,
  request: { question: 'How was revenue last quarter?', result },
});

/** Streams three tokens with a pause before each; or waits until cancelled. */
const slowNarrator = (pauseMs: number): NarrationProvider => ({
  name: 'slow',
  model: 'slow-model',
  async narrate(_request, options = {}) {
    for (const token of ['one ', 'two ', 'three']) {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(resolve, pauseMs);
        options.signal?.addEventListener('abort', () => {
          clearTimeout(timer);
          reject(new Error('aborted'));
        });
      });
      options.onEvent?.({ type: 'token', text: token });
    }
    return { text: 'one two three', provider: 'slow', model: 'slow-model', label: 'slow' };
  },
});

describe('narration tasks on the llm queue', () => {
  let redis: Redis;
  const open: NarrationTasks[] = [];
  let prefix: string;
  const start = async (overrides: Partial<NarrationTasksOptions>) => {
    const tasks = await NarrationTasks.open({
      redis,
      prefix,
      narrator: builtInAnalyst,
      logger,
      concurrency: 2,
      maxWaiting: 100,
      attempts: 1,
      jobTimeoutMs: 10_000,
      ...overrides,
    });
    open.push(tasks);
    return tasks;
  };

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterEach(async () => {
    for (const tasks of open.splice(0)) await tasks.close();
  });
  afterAll(() => redis.disconnect());
  // A fresh key space per test: queues of earlier tests never leak in.
  const fresh = () => {
    prefix = `test:${newId()}:`;
  };

  it('runs a narration off the request path and streams its tokens to a watcher on another process', async () => {
    fresh();
    await start({ narrator: slowNarrator(50) });
    const api = await start({ concurrency: 0 }); // a process that serves HTTP only
    const submission = await api.submit(data());
    expect(submission.accepted).toBe(true);
    const id = (submission as { id: string }).id;
    const events = await collect(api.watch('tenant-a', 'user-1', id, new AbortController().signal));
    // The worker may have started before the watcher came: the first event says where the task stands.
    expect(events[0]?.type).toBe('state');
    expect(events.filter((e) => e.type === 'token').map((e) => (e as { text: string }).text)).toEqual([
      'one ',
      'two ',
      'three',
    ]);
    expect(events.at(-1)?.type).toBe('completed');
    expect(events.at(-1)).toMatchObject({ result: { text: 'one two three' } });
    const task = await api.get('tenant-a', 'user-1', id);
    expect(task).toMatchObject({ id, state: 'completed', result: { model: 'slow-model' } });
    // Watching a finished task gives its end at once.
    const again = await collect(api.watch('tenant-a', 'user-1', id, new AbortController().signal));
    expect(again.map((e) => e.type)).toEqual(['completed']);
  });

  it('hides a task from every other tenant and user', async () => {
    fresh();
    const tasks = await start({});
    const submission = (await tasks.submit(data())) as { id: string };
    expect(await tasks.get('tenant-b', 'user-1', submission.id)).toBeUndefined();
    expect(await tasks.get('tenant-a', 'user-2', submission.id)).toBeUndefined();
    expect(await tasks.cancel('tenant-b', 'user-1', submission.id)).toBe(false);
    expect(
      await collect(tasks.watch('tenant-b', 'user-1', submission.id, new AbortController().signal)),
    ).toEqual([]);
  });

  it('cancels a running task from another process, without retrying it', async () => {
    fresh();
    await start({ narrator: slowNarrator(10_000), attempts: 3 });
    const api = await start({ concurrency: 0 });
    const { id } = (await api.submit(data())) as { id: string };
    const watching = collect(api.watch('tenant-a', 'user-1', id, new AbortController().signal));
    for (let i = 0; i < 100 && (await api.get('tenant-a', 'user-1', id))?.state !== 'active'; i++)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(await api.cancel('tenant-a', 'user-1', id)).toBe(true);
    expect((await watching).at(-1)).toEqual({ type: 'cancelled' });
    expect(await api.get('tenant-a', 'user-1', id)).toMatchObject({ state: 'cancelled', attempts: 1 });
  });

  it('refuses new work when the queue is saturated', async () => {
    fresh();
    const api = await start({ concurrency: 0, maxWaiting: 2 });
    expect((await api.submit(data())).accepted).toBe(true);
    expect((await api.submit(data())).accepted).toBe(true);
    expect(await api.submit(data())).toEqual({ accepted: false, waiting: 2 });
  });

  it('moves a task that fails every attempt to the dead-letter queue and tells its watcher', async () => {
    fresh();
    const failing: NarrationProvider = {
      name: 'broken',
      model: 'broken',
      narrate: async () => {
        throw new Error('provider exploded');
      },
    };
    const tasks = await start({ narrator: failing, attempts: 2 });
    const { id } = (await tasks.submit(data())) as { id: string };
    const events = await collect(tasks.watch('tenant-a', 'user-1', id, new AbortController().signal));
    expect(events.at(-1)).toEqual({ type: 'failed', error: 'provider exploded' });
    expect(await tasks.get('tenant-a', 'user-1', id)).toMatchObject({ state: 'failed', attempts: 2 });
    const deadLetter = new Queue('llm-dead-letter', {
      connection: redis.duplicate(),
      prefix: `${prefix}bull`,
    });
    const dead = await deadLetter.getJob(id);
    expect(dead?.data).toMatchObject({ taskId: id, error: 'provider exploded' });
    await deadLetter.close();
  });
});
