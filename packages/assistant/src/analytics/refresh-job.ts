import { type Db, tenants } from '@parley/db';
import type { Logger } from '@parley/kit';
import { Queue, Worker } from 'bullmq';
import { eq } from 'drizzle-orm';
import type { Redis } from 'ioredis';
import type { SalesWarehouse } from './warehouse-service.js';

const QUEUE = 'sales-refresh';
const SCHEDULER = 'periodic-refresh';

export interface SalesRefreshJobOptions {
  redis: Redis;
  db: Db;
  warehouse: SalesWarehouse;
  /** Interval of the refresh (an hour in the server). */
  everyMs: number;
  /** BullMQ key prefix. */
  prefix?: string;
  logger?: Logger;
}

/**
 * The warehouse refresh as a BullMQ repeatable job: one job scheduler (so however many processes
 * start it, the refresh runs once per interval) and a worker in each process (whichever takes the
 * job runs it). A run refreshes every active tenant that has a warehouse, each in its own
 * transaction, and announces each new data version; a tenant's failure fails the job after the
 * others ran, and BullMQ retries it with backoff.
 */
export class SalesRefreshJob {
  private readonly connections: Redis[] = [];
  private readonly queue: Queue;
  private readonly worker: Worker;

  private constructor(private readonly options: SalesRefreshJobOptions) {
    // BullMQ's blocking commands need connections of their own that retry forever.
    const connection = () => {
      const redis = options.redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
      this.connections.push(redis);
      return redis;
    };
    const prefix = options.prefix ?? 'parley:bull';
    this.queue = new Queue(QUEUE, { connection: connection(), prefix });
    this.worker = new Worker(QUEUE, () => this.refreshAll(), {
      connection: connection(),
      prefix,
      concurrency: 1,
    });
    this.worker.on('failed', (job, error) =>
      options.logger?.warn({ err: error.message, attempts: job?.attemptsMade }, 'sales refresh failed'),
    );
  }

  static async start(options: SalesRefreshJobOptions): Promise<SalesRefreshJob> {
    const job = new SalesRefreshJob(options);
    await job.queue.upsertJobScheduler(
      SCHEDULER,
      { every: options.everyMs },
      {
        name: 'refresh',
        opts: {
          attempts: 3,
          backoff: { type: 'exponential', delay: 10_000 },
          removeOnComplete: 50,
          removeOnFail: 50,
        },
      },
    );
    return job;
  }

  /** One refresh of every active tenant; what the job runs. */
  async refreshAll(): Promise<{ refreshed: { tenantId: string; rows: number; version: number }[] }> {
    const active = await this.options.db
      .select({ id: tenants.id })
      .from(tenants)
      .where(eq(tenants.status, 'active'));
    const refreshed: { tenantId: string; rows: number; version: number }[] = [];
    let failure: unknown;
    for (const { id } of active) {
      try {
        const result = await this.options.warehouse.refresh(id);
        if (result.rows > 0)
          refreshed.push({ tenantId: id, rows: result.rows, version: result.version.version });
      } catch (error) {
        failure ??= error;
        this.options.logger?.warn(
          { err: (error as Error).message, tenantId: id },
          'sales refresh of a tenant failed',
        );
      }
    }
    if (failure) throw failure;
    if (refreshed.length > 0) this.options.logger?.info({ refreshed }, 'sales warehouses refreshed');
    return { refreshed };
  }

  async close(): Promise<void> {
    await this.worker.close();
    await this.queue.close();
    for (const redis of this.connections) redis.disconnect();
  }
}
