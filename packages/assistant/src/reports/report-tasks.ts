import type { ConfigOf, Logger } from '@parley/kit';
import type { Redis } from 'ioredis';
import { TaskQueue } from '../tasks/task-queue.js';
import type { reportsConfigSpec } from './config.js';
import {
  generateReport,
  type ReportDependencies,
  type ReportResult,
  type ReportTaskData,
} from './report-job.js';

export type ReportsConfig = ConfigOf<typeof reportsConfigSpec>;

/** The `reports` queue: report generation, apart from the llm queue so neither waits on the other. */
export type ReportTasks = TaskQueue<ReportTaskData, ReportResult>;

/** Reports reading customer-level detail scan more rows: aggregate reports go first. */
export function reportPriority(data: Pick<ReportTaskData, 'plan'>): number {
  return data.plan.detailLevel === 'customer' ? 5 : 1;
}

/**
 * The reports queue as configured, with a worker in this process unless `concurrency` says
 * otherwise. A report that fails its last attempt or is cancelled fails its answer, with a reason.
 */
export function openReportTasks(options: {
  config: ReportsConfig;
  redis: Redis;
  prefix: string;
  logger: Logger;
  concurrency?: number;
  /** First retry delay (1 s). */
  backoffMs?: number;
  dependencies: ReportDependencies;
}): Promise<ReportTasks> {
  const { config, dependencies } = options;
  return TaskQueue.open<ReportTaskData, ReportResult>({
    redis: options.redis,
    prefix: options.prefix,
    logger: options.logger,
    queue: 'reports',
    kind: 'report',
    concurrency: options.concurrency ?? config.PARLEY_REPORTS_CONCURRENCY,
    maxWaiting: config.PARLEY_REPORTS_QUEUE_MAX_WAITING,
    attempts: 3,
    backoffMs: options.backoffMs ?? 1000,
    jobTimeoutMs: config.PARLEY_REPORTS_TIMEOUT,
    run: (data, context) => generateReport(data, context, dependencies),
    onAbandoned: (data, { id, reason }) =>
      dependencies.store.settlePending(data.tenantId, data.target.messageId, {
        status: 'failed',
        error:
          reason === 'cancelled'
            ? 'The report was cancelled.'
            : 'The report could not be generated; ask again to retry.',
        // The cause is logged by the queue; the user gets a sentence, not an internal error.
        patch: { report: { taskId: id, state: reason } },
      }),
  });
}
