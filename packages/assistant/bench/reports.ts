import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tenants } from '@parley/db';
import { createLogger, ManualClock, newId } from '@parley/kit';
import { type BenchRow, median } from '@parley/kit/bench';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { AnswerCache } from '../src/analytics/cache.js';
import { SalesWarehouse } from '../src/analytics/warehouse-service.js';
import { FilesystemFileStore } from '../src/conversations/files/filesystem-store.js';
import { ConversationStore } from '../src/conversations/store.js';
import type { ReportTaskData } from '../src/reports/report-job.js';
import { openReportTasks } from '../src/reports/report-tasks.js';
import type { QueryPlan } from '../src/semantic/plan.js';
import { planQuery } from '../src/semantic/planner.js';
import { extractSlots } from '../src/slots/extract.js';
import { Gazetteer } from '../src/slots/gazetteer.js';
import { seedSales } from '../src/warehouse/seed.js';
import { scratchDatabase } from './scratch.js';

const METRICS = ['revenue', 'units sold', 'gross margin'];
const BREAKDOWNS = ['by region', 'by channel', 'by category', 'by segment', 'by product', 'monthly'];

/** 18 distinct report plans: metric × breakdown over the last 12 months. */
function plans(now: number): QueryPlan[] {
  const clock = { now: () => now };
  return METRICS.flatMap((metric) =>
    BREAKDOWNS.map((by) =>
      planQuery(
        'report_request',
        extractSlots(`report of ${metric} ${by} for the last 12 months`, {
          clock,
          gazetteer: new Gazetteer([]),
        }),
        now,
      ),
    ),
  );
}

/**
 * Reports per second through the reports queue on PostgreSQL and Redis: each job computes its
 * plan through the semantic layer (18 plans, so most jobs hit the answer cache after the first
 * pass), renders the CSV and HTML, writes both files and completes its answer in one transaction.
 * Run at the default concurrency (2) and at 8, one worker process.
 */
export async function reportsBench(quick: boolean, log: (line: string) => void): Promise<BenchRow[]> {
  const { database, drop } = await scratchDatabase('reports');
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', { maxRetriesPerRequest: 1 });
  const prefix = `parley:bench:${randomUUID()}:`;
  const dir = await mkdtemp(join(tmpdir(), 'parley-bench-reports-'));
  const rows: BenchRow[] = [];
  try {
    await database.migrate();
    const tenantId = randomUUID();
    await database.db.insert(tenants).values({ id: tenantId, slug: 'bench', name: 'Bench' });
    const clock = new ManualClock(Date.parse('2026-03-15T10:00:00Z'));
    await seedSales(database.db, { tenantId, rows: quick ? 50_000 : 200_000, clock });
    const store = new ConversationStore(database.db);
    const owner = randomUUID();
    const conversation = await store.createConversation(tenantId, {
      id: newId(),
      ownerId: owner,
      title: 'reports bench',
      metadata: {},
      now: new Date(clock.now()),
    });
    const reportPlans = plans(clock.now());
    const jobs = quick ? 200 : 1000;
    for (const concurrency of [2, 8]) {
      // A fresh cache per run, so each run computes its 18 plans once.
      const cache = new AnswerCache({ redis, prefix: `${prefix}cache:${concurrency}` });
      const queuePrefix = `${prefix}${concurrency}:`;
      const tasks = await openReportTasks({
        config: {
          PARLEY_REPORTS_CONCURRENCY: concurrency,
          PARLEY_REPORTS_QUEUE_MAX_WAITING: jobs + 1,
          PARLEY_REPORTS_TIMEOUT: 120_000,
        },
        redis,
        prefix: queuePrefix,
        logger: createLogger({ level: 'silent' }),
        dependencies: {
          warehouse: new SalesWarehouse(database.db, cache, clock),
          files: new FilesystemFileStore(dir),
          store,
          clock,
        },
      });
      try {
        const targets: ReportTaskData[] = [];
        for (let i = 0; i < jobs; i++) {
          const answerId = newId();
          await store.appendExchange(tenantId, {
            conversationId: conversation.id,
            parentId: null,
            question: { id: newId(), role: 'user', content: 'report', status: 'complete' },
            answerId,
            attachmentIds: [],
            uploaderId: owner,
            now: new Date(clock.now()),
          });
          targets.push({
            tenantId,
            subject: owner,
            question: 'report',
            plan: reportPlans[i % reportPlans.length]!,
            target: { conversationId: conversation.id, messageId: answerId },
          });
        }
        const started = performance.now();
        for (const data of targets) await tasks.submit(data);
        let counts = await tasks.counts();
        while (counts.completed + counts.failed < jobs) {
          await new Promise((resolve) => setTimeout(resolve, 20));
          counts = await tasks.counts();
        }
        const rate = jobs / ((performance.now() - started) / 1000);
        // How long each report took in its worker, from BullMQ's own timestamps.
        const connection = redis.duplicate();
        const queue = new Queue('reports', { connection, prefix: `${queuePrefix}bull` });
        const done = await queue.getJobs(['completed'], 0, jobs);
        await queue.close();
        connection.disconnect();
        const durations = done.map((job) => job.finishedOn! - job.processedOn!);
        log(
          `reports queue, concurrency ${concurrency}: ${jobs} reports at ${rate.toFixed(0)} jobs/s, ${counts.failed} failed`,
        );
        rows.push(
          {
            name: `reports queue (concurrency ${concurrency})`,
            value: rate,
            unit: 'jobs/s',
            better: 'higher',
            note: `${counts.failed} failed`,
          },
          {
            name: `report job p50 (concurrency ${concurrency})`,
            value: median(durations),
            unit: 'ms',
            better: 'lower',
          },
        );
      } finally {
        await tasks.close();
        await cache.close();
      }
    }
    return rows;
  } finally {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await rm(dir, { recursive: true, force: true });
    await drop();
  }
}
