import { createHash } from 'node:crypto';
import { text } from 'node:stream/consumers';
import { createLogger, newId, ProblemError } from '@parley/kit';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { FileStore } from '../../src/conversations/files/file-store.js';
import { escapeHtml } from '../../src/reports/escape.js';
import type { ReportDependencies } from '../../src/reports/report-job.js';
import { openReportTasks, type ReportTasks } from '../../src/reports/report-tasks.js';
import { type ConversationFixture, createConversationFixture } from '../conversations/fixtures.js';
import { collect } from '../tasks/collect.js';

// The reports queue on a real server: Redis, or Parley's cache server when REDIS_URL points at one.
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const REPORT = 'generate a report of revenue by region last quarter';

describe('reports on the reports queue', () => {
  let f: ConversationFixture;
  let redis: Redis;
  let prefix: string;
  const open: ReportTasks[] = [];
  const start = async (
    options: { concurrency?: number; maxWaiting?: number; timeoutMs?: number } = {},
    dependencies: Partial<ReportDependencies> = {},
  ) => {
    prefix = `test:${newId()}:`;
    const tasks = await openReportTasks({
      config: {
        PARLEY_REPORTS_CONCURRENCY: options.concurrency ?? 1,
        PARLEY_REPORTS_QUEUE_MAX_WAITING: options.maxWaiting ?? 100,
        PARLEY_REPORTS_TIMEOUT: options.timeoutMs ?? 20_000,
      },
      redis,
      prefix,
      logger: createLogger({ level: 'silent' }),
      backoffMs: 20,
      dependencies: {
        warehouse: f.answerer.warehouse,
        files: f.files,
        store: f.store,
        clock: { now: () => Date.now() },
        ...dependencies,
      },
    });
    open.push(tasks);
    return { tasks, service: f.serviceWith(f.answerer, undefined, tasks) };
  };
  const watch = (tasks: ReportTasks, caller: { tenantId: string; subject: string }, id: string) =>
    collect(tasks.watch(caller.tenantId, caller.subject, id, AbortSignal.timeout(20_000)));
  /** The warehouse, taking `ms` longer over each report's figures (`entered` called as it starts). */
  const slowWarehouse = (ms: number, entered: () => void = () => {}) => ({
    version: (tenantId: string) => f.answerer.warehouse.version(tenantId),
    async presentation(...args: Parameters<ReportDependencies['warehouse']['presentation']>) {
      entered();
      await new Promise((resolve) => setTimeout(resolve, ms));
      return f.answerer.warehouse.presentation(...args);
    },
  });
  /** The conversation's last answer failed with `error`, attached nothing, and no file was stored since `before`. */
  const expectFailedWithoutFile = async (
    service: Awaited<ReturnType<typeof start>>['service'],
    caller: Parameters<typeof service.get>[0],
    conversationId: string,
    error: string,
    before: number,
  ) => {
    const { messages } = await service.get(caller, conversationId, 'path');
    expect(messages.at(-1)).toMatchObject({ status: 'failed', error, attachments: [] });
    expect((await f.storedFiles()).length).toBe(before);
  };

  beforeAll(async () => {
    f = await createConversationFixture();
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  afterEach(async () => {
    for (const tasks of open.splice(0)) await tasks.close();
  });
  afterAll(async () => {
    redis.disconnect();
    await f.close();
  });

  it('generates the CSV and the HTML report, attaches them to the answer and announces them', async () => {
    const { tasks, service } = await start();
    const caller = f.callers.analyst;
    const { conversation, exchange } = await service.create(caller, { message: REPORT });
    expect(exchange!.task).toMatchObject({ kind: 'report' });
    const taskId = exchange!.task!.id;
    expect(exchange!.answer.answer).toMatchObject({ report: { taskId } });
    if (exchange!.answer.status === 'pending')
      expect(exchange!.answer.content).toMatch(/^Generating your report/);

    const events = await watch(tasks, caller, taskId);
    const done = events.at(-1)!;
    expect(done.type).toBe('completed');
    // Watching from the start shows every step; a watcher that came late sees the end only.
    if (events[0]!.type === 'state' && events[0]!.state === 'waiting')
      expect(events.filter((e) => e.type === 'progress').map((e) => (e as { stage: string }).stage)).toEqual([
        'computing',
        'rendering',
        'storing',
      ]);
    const result = (
      done as { result: { files: { id: string; filename: string; sha256: string; href: string }[] } }
    ).result;
    expect(result.files.map((file) => file.filename)).toEqual([
      expect.stringMatching(/^revenue-by-region-\d{4}-\d\d-\d\d\.csv$/),
      expect.stringMatching(/^revenue-by-region-\d{4}-\d\d-\d\d\.html$/),
    ]);
    expect(result.files[0]!.href).toBe(
      `/v1/conversations/${conversation.id}/attachments/${result.files[0]!.id}`,
    );

    // The answer is complete, with both files attached and their checksums right.
    const { messages } = await service.get(caller, conversation.id, 'path');
    const answer = messages.at(-1)!;
    expect(answer.status).toBe('complete');
    expect(answer.content).toContain('Your report “Revenue by region, Q4 2025” is ready');
    expect(answer.attachments.map((a) => a.mediaType)).toEqual(['text/csv', 'text/html']);
    const fastPath = await f.answerer.answer({
      tenantId: caller.tenantId,
      permissions: caller.permissions,
      question: 'revenue by region last quarter',
      now: Date.UTC(2026, 2, 15),
    });
    for (const attachment of answer.attachments) {
      const { content } = await service.download(caller, conversation.id, attachment.id);
      const body = await text(content);
      expect(createHash('sha256').update(body).digest('hex')).toBe(attachment.sha256);
      expect(Buffer.byteLength(body)).toBe(attachment.sizeBytes);
      if (attachment.mediaType === 'text/csv') {
        // The same numbers as the fast path's answer to the same plan.
        const lines = body.trimEnd().split('\r\n');
        expect(lines[0]).toBe(fastPath.table!.columns.join(','));
        expect(lines.slice(1)).toEqual(fastPath.table!.rows.map((row) => row.join(',')));
      } else {
        expect(body).toMatch(/^<!doctype html>/);
        expect(body).toContain('<svg');
        for (const row of fastPath.table!.rows)
          expect(body).toContain(`<td>${escapeHtml(String(row[0]))}</td>`);
      }
    }
    // The same permission check as any attachment: another guest of the tenant cannot read it.
    await expect(
      service.download(f.callers.otherGuest, conversation.id, result.files[0]!.id),
    ).rejects.toThrow('No such conversation');
    expect(await tasks.get(caller.tenantId, caller.subject, taskId)).toMatchObject({
      kind: 'report',
      state: 'completed',
    });
    expect(
      await tasks.get(f.callers.otherGuest.tenantId, f.callers.otherGuest.subject, taskId),
    ).toBeUndefined();
  });

  it('queues nothing for a caller without reports:generate', async () => {
    const { tasks, service } = await start({ concurrency: 0 });
    const { exchange } = await service.create(f.callers.guest, { message: REPORT });
    expect(exchange!.task).toBeUndefined();
    expect(exchange!.answer).toMatchObject({ status: 'complete', answer: { kind: 'denied' } });
    expect((await tasks.counts()).waiting).toBe(0);
  });

  it('cancels a waiting report: the answer fails with a reason, no file is written', async () => {
    const { tasks, service } = await start({ concurrency: 0 });
    const caller = f.callers.analyst;
    const before = (await f.storedFiles()).length;
    const { conversation, exchange } = await service.create(caller, { message: REPORT });
    expect(await tasks.cancel(caller.tenantId, caller.subject, exchange!.task!.id)).toBe(true);
    const { messages } = await service.get(caller, conversation.id, 'path');
    expect(messages.at(-1)).toMatchObject({
      status: 'failed',
      error: 'The report was cancelled.',
      answer: { report: { taskId: exchange!.task!.id, state: 'cancelled' } },
    });
    // A task cancelled before it ran is removed from the queue.
    expect(await tasks.get(caller.tenantId, caller.subject, exchange!.task!.id)).toBeUndefined();
    expect((await f.storedFiles()).length).toBe(before);
  });

  it('retries with backoff, then dead-letters the report and fails its answer, leaving no file behind', async () => {
    let puts = 0;
    const broken: FileStore = {
      async put(key, content) {
        puts++;
        await f.files.put(key, content);
        throw new Error('disk full');
      },
      open: (key) => f.files.open(key),
      delete: (key) => f.files.delete(key),
    };
    const { tasks, service } = await start({}, { files: broken });
    const caller = f.callers.admin;
    const before = (await f.storedFiles()).length;
    const { conversation, exchange } = await service.create(caller, { message: REPORT });
    const events = await watch(tasks, caller, exchange!.task!.id);
    expect(events.at(-1)).toEqual({ type: 'failed', error: 'disk full' });
    expect(puts).toBe(3);
    const task = await tasks.get(caller.tenantId, caller.subject, exchange!.task!.id);
    expect(task).toMatchObject({ state: 'failed', attempts: 3 });
    const deadLetter = new Queue('reports-dead-letter', { connection: redis, prefix: `${prefix}bull` });
    try {
      expect((await deadLetter.getJob(exchange!.task!.id))?.data).toMatchObject({ error: 'disk full' });
    } finally {
      await deadLetter.close();
    }
    await expectFailedWithoutFile(
      service,
      caller,
      conversation.id,
      'The report could not be generated; ask again to retry.',
      before,
    );
  });

  it('fails an attempt that outlives its timeout', async () => {
    const { tasks, service } = await start({ timeoutMs: 100 }, { warehouse: slowWarehouse(300) });
    const caller = f.callers.analyst;
    const { exchange } = await service.create(caller, { message: REPORT });
    const events = await watch(tasks, caller, exchange!.task!.id);
    expect(events.at(-1)).toEqual({ type: 'failed', error: 'timed out after 100 ms' });
  });

  it('answers 503 with Retry-After when the queue is saturated, and records the refused answer', async () => {
    const { tasks, service } = await start({ concurrency: 0, maxWaiting: 1 });
    const caller = f.callers.analyst;
    await service.create(caller, { message: REPORT });
    const { conversation } = await service.create(caller, { title: 'second' });
    const refused = await service.post(caller, conversation.id, { content: REPORT }).catch((error) => error);
    expect(refused).toBeInstanceOf(ProblemError);
    expect(refused).toMatchObject({ status: 503, headers: { 'retry-after': '60' } });
    const { messages } = await service.get(caller, conversation.id, 'path');
    expect(messages.at(-1)).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('Too many reports'),
    });
    expect((await tasks.counts()).waiting).toBe(1);
  });

  it('serves aggregate reports before customer-level ones', async () => {
    const { service } = await start({ concurrency: 0 });
    const caller = f.callers.analyst;
    const aggregate = await service.create(caller, { message: REPORT });
    const detail = await service.create(caller, {
      message: 'make me a report of top 10 customers by revenue',
    });
    const queue = new Queue('reports', { connection: redis, prefix: `${prefix}bull` });
    try {
      expect((await queue.getJob(aggregate.exchange!.task!.id))?.opts.priority).toBe(1);
      expect((await queue.getJob(detail.exchange!.task!.id))?.opts.priority).toBe(5);
    } finally {
      await queue.close();
    }
  });

  it('stops a running report at its next step when cancelled', async () => {
    let entered: () => void = () => {};
    const computing = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const { tasks, service } = await start({}, { warehouse: slowWarehouse(500, () => entered()) });
    const caller = f.callers.analyst;
    const before = (await f.storedFiles()).length;
    const { conversation, exchange } = await service.create(caller, { message: REPORT });
    const id = exchange!.task!.id;
    const watching = watch(tasks, caller, id);
    await computing;
    expect(await tasks.cancel(caller.tenantId, caller.subject, id)).toBe(true);
    expect((await watching).at(-1)).toEqual({ type: 'cancelled' });
    expect(await tasks.get(caller.tenantId, caller.subject, id)).toMatchObject({
      state: 'cancelled',
      attempts: 1,
    });
    await expectFailedWithoutFile(service, caller, conversation.id, 'The report was cancelled.', before);
  });

  it('fails a job whose plan the semantic layer refuses at once, without retrying it', async () => {
    const { tasks } = await start();
    const caller = f.callers.analyst;
    const { exchange } = await f
      .serviceWith(f.answerer)
      .create(caller, { message: 'revenue by region last quarter' });
    const plan = (exchange!.answer.answer as { plan: Record<string, unknown> }).plan;
    const hostile = { ...plan, limit: 1_000_000, dimensions: ['region; DROP TABLE sales_facts'] };
    const submission = await tasks.submit({
      tenantId: caller.tenantId,
      subject: caller.subject,
      question: 'hostile',
      plan: hostile as never,
      target: { conversationId: exchange!.answer.conversationId, messageId: exchange!.answer.id },
    });
    const id = (submission as { id: string }).id;
    const events = await watch(tasks, caller, id);
    expect(events.at(-1)).toMatchObject({
      type: 'failed',
      error: expect.stringContaining("the report's plan is invalid"),
    });
    expect(await tasks.get(caller.tenantId, caller.subject, id)).toMatchObject({
      state: 'failed',
      attempts: 1,
    });
  });
});
