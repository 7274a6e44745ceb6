import { createLogger, newId } from '@parley/kit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NarrationProvider } from '../../src/llm/index.js';
import { NarrationTasks } from '../../src/tasks/index.js';
import { type ConversationFixture, createConversationFixture } from './fixtures.js';

// The llm queue on a real server: Redis, or Parley's cache server when REDIS_URL points at one.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A language model stand-in that narrates from the numbers it is given. */
const model: NarrationProvider = {
  name: 'test-llm',
  model: 'test-model-1',
  async narrate(request, options = {}) {
    const text = `Revenue came to ${request.result.total} in the period.`;
    options.onEvent?.({ type: 'token', text });
    return {
      text,
      provider: 'test-llm',
      model: 'test-model-1',
      label: 'Written by test-model-1.',
      tokens: { prompt: 10, completion: 8 },
    };
  },
};

describe('conversation answers narrated on the llm queue', () => {
  let f: ConversationFixture;
  let redis: Redis;
  const queues: NarrationTasks[] = [];
  const open = async (concurrency: number, maxWaiting = 100) => {
    const tasks = await NarrationTasks.open({
      redis,
      prefix: `test:${newId()}:`,
      narrator: model,
      logger: createLogger({ level: 'silent' }),
      concurrency,
      maxWaiting,
      attempts: 1,
      jobTimeoutMs: 10_000,
      onNarrated: (data, narration) => f.store.completeNarration(data, narration),
      onAbandoned: (data, { id }) => f.store.settleNarration(data, id),
    });
    queues.push(tasks);
    return tasks;
  };

  beforeAll(async () => {
    f = await createConversationFixture();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    for (const tasks of queues) await tasks.close();
    redis.disconnect();
    await f.close();
  });

  it('answers at once with the numbers, then completes the answer with the model narration', async () => {
    const tasks = await open(1);
    const service = f.serviceWith(f.answerer, tasks);
    const caller = f.callers.analyst;
    const { conversation, exchange } = await service.create(caller, {
      message: 'What was revenue last quarter?',
    });
    const pending = exchange!.answer;
    // Pending with the built-in text, unless the worker was faster than this response.
    if (pending.status === 'pending') expect(pending.content).toMatch(/built-in analyst/);
    else expect(pending.provider).toBe('test-llm');
    const taskId = (pending.answer as { narration: { taskId: string } }).narration.taskId;

    const events = [];
    for await (const event of tasks.watch(
      caller.tenantId,
      caller.subject,
      taskId,
      AbortSignal.timeout(20_000),
    ))
      events.push(event);
    expect(events.at(-1)?.type).toBe('completed');

    const { messages } = await service.get(caller, conversation.id, 'path');
    const answer = messages.at(-1)!;
    expect(answer).toMatchObject({ status: 'complete', provider: 'test-llm', model: 'test-model-1' });
    expect(answer.content).toBe(
      `Written by test-model-1.\n\nRevenue came to ${(pending.answer as { analysis: { total: number } }).analysis.total} in the period.`,
    );
  });

  it('keeps the built-in answer, complete, when the queue is saturated', async () => {
    const tasks = await open(0, 1);
    const service = f.serviceWith(f.answerer, tasks);
    await service.create(f.callers.guest, { message: 'What was revenue last quarter?' }); // fills the queue
    const { exchange } = await service.create(f.callers.guest, { message: 'What was revenue last quarter?' });
    expect(exchange!.answer.status).toBe('complete');
    expect(exchange!.answer.answer).toMatchObject({
      narration: { skipped: expect.stringContaining('saturated') },
    });
  });

  it('completes the answer with the built-in text when its narration is cancelled', async () => {
    const tasks = await open(0);
    const service = f.serviceWith(f.answerer, tasks);
    const caller = f.callers.analyst;
    const { conversation, exchange } = await service.create(caller, {
      message: 'What was revenue last quarter?',
    });
    expect(exchange!.answer.status).toBe('pending');
    const taskId = (exchange!.answer.answer as { narration: { taskId: string } }).narration.taskId;
    expect(await tasks.cancel(caller.tenantId, caller.subject, taskId)).toBe(true);
    const { messages } = await service.get(caller, conversation.id, 'path');
    expect(messages.at(-1)).toMatchObject({
      status: 'complete',
      content: exchange!.answer.content,
      answer: { narration: { taskId, skipped: expect.stringContaining('built-in analyst') } },
    });
  });
});
