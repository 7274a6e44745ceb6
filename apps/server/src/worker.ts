import { join, resolve } from 'node:path';
import {
  AnswerCache,
  ConversationStore,
  FilesystemFileStore,
  openNarrationTasks,
  openReportTasks,
  SalesWarehouse,
} from '@parley/assistant';
import { openDatabase } from '@parley/db';
import { type Logger, systemClock } from '@parley/kit';
import { Redis } from 'ioredis';
import type { ServerConfig } from './config.js';
import { databaseOptions } from './main.js';
import { embeddedCacheUrl } from './redis.js';

/** The queues a `parley worker` process can serve. */
export const WORKER_QUEUES = ['llm', 'reports'] as const;
export type WorkerQueue = (typeof WORKER_QUEUES)[number];

export interface RunningWorker {
  stop(): Promise<void>;
}

/**
 * A process that only works queues: the slow path scaled apart from the HTTP servers. It needs the
 * Redis the servers use: REDIS_URL, or the embedded cache of a `parley start` on this data directory.
 */
export async function startWorker(
  config: ServerConfig,
  queues: readonly WorkerQueue[],
  logger: Logger,
): Promise<RunningWorker> {
  const url = config.REDIS_URL ?? embeddedCacheUrl(resolve(config.PARLEY_DATA_DIR));
  if (!url)
    throw new Error(
      'no Redis to take jobs from: set REDIS_URL, or run `parley start` on the same PARLEY_DATA_DIR',
    );
  if (queues.includes('llm') && config.PARLEY_LLM_CONCURRENCY === 0)
    throw new Error('PARLEY_LLM_CONCURRENCY is 0: this worker would run no llm task');
  if (queues.includes('reports') && config.PARLEY_REPORTS_CONCURRENCY === 0)
    throw new Error('PARLEY_REPORTS_CONCURRENCY is 0: this worker would run no report');
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));
  // Finished tasks are written into their conversation answers, as the servers' workers do.
  const database = openDatabase(databaseOptions(config));
  const store = new ConversationStore(database.db);
  const tasks = queues.includes('llm')
    ? await openNarrationTasks({
        config,
        redis,
        prefix: config.PARLEY_REDIS_PREFIX,
        logger,
        conversations: store,
      })
    : undefined;
  // Reports read the warehouse through the same answer cache (shared Redis) and write the
  // servers' file store: this data directory must be the servers' (or shared storage).
  const cache = new AnswerCache({
    redis,
    logger,
    ttlSeconds: Math.max(1, Math.round(config.PARLEY_SALES_CACHE_TTL / 1000)),
  });
  const reports = queues.includes('reports')
    ? await openReportTasks({
        config,
        redis,
        prefix: config.PARLEY_REDIS_PREFIX,
        logger,
        dependencies: {
          warehouse: new SalesWarehouse(database.db, cache, systemClock),
          files: new FilesystemFileStore(join(resolve(config.PARLEY_DATA_DIR), 'attachments')),
          store,
          clock: systemClock,
        },
      })
    : undefined;
  if (reports) await cache.start();
  logger.info(
    {
      queues,
      concurrency: {
        ...(tasks ? { llm: config.PARLEY_LLM_CONCURRENCY } : {}),
        ...(reports ? { reports: config.PARLEY_REPORTS_CONCURRENCY } : {}),
      },
    },
    'parley worker is running',
  );
  return {
    async stop() {
      await tasks?.close();
      await reports?.close();
      await cache.close();
      redis.disconnect();
      await database.close();
    },
  };
}
