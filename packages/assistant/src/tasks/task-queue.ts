import type { Logger } from '@parley/kit';
import { newId } from '@parley/kit';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { isEndEvent, type TaskEvent, TaskEventBus, type TaskProgress } from './events.js';

/** What every task carries: whose it is. Only that user can see, follow or cancel it. */
export interface TaskData {
  tenantId: string;
  subject: string;
}

export type TaskKind = 'narration' | 'report';
export type TaskState = 'waiting' | 'active' | 'completed' | 'failed' | 'cancelled';

export interface TaskView<R = unknown> {
  id: string;
  kind: TaskKind;
  state: TaskState;
  createdAt: string;
  finishedAt?: string;
  attempts: number;
  result?: R;
  error?: string;
}

/** What a running task gets: its deadline and cancellation, and a way to report progress. */
export interface TaskContext {
  id: string;
  /** Aborted when the user cancels the task or its time is up: stop at the next step. */
  signal: AbortSignal;
  progress(event: TaskProgress): void;
}

/** How each attempt of a task ends for good without a result: what the task was for must be told. */
export type Abandonment = { id: string; reason: 'failed' | 'cancelled'; error: string };

export interface TaskQueueOptions<D extends TaskData, R> {
  redis: Redis;
  /** Prefix of the queue keys and channels, e.g. `parley:`. */
  prefix: string;
  logger: Logger;
  /** The BullMQ queue's name (`llm`, `reports`); its dead letters go to `<queue>-dead-letter`. */
  queue: string;
  kind: TaskKind;
  /** Jobs one process runs at once; 0 runs no worker here (`parley worker` does). */
  concurrency: number;
  /** Jobs waiting beyond this are refused at submission: the queue is saturated. */
  maxWaiting: number;
  attempts: number;
  /** First retry delay; each further retry waits twice as long. */
  backoffMs?: number;
  /** Longest one attempt may run. */
  jobTimeoutMs: number;
  /** The work. It stores its result where it belongs before it returns. */
  run(data: D, context: TaskContext): Promise<R>;
  /** Called once when a task fails its last attempt or is cancelled, so its target is not left pending. */
  onAbandoned?(data: D, abandonment: Abandonment): Promise<void>;
}

export type Submission = { accepted: true; id: string } | { accepted: false; waiting: number };

/** Job counts by state, as the metrics report them. */
export type QueueCounts = Record<'waiting' | 'active' | 'delayed' | 'failed' | 'completed', number>;

const CANCELLED = 'cancelled by the user';

/**
 * A queue of slow-path tasks on BullMQ, off the request path. BullMQ gives workers, concurrency,
 * priorities and retries with exponential backoff; this adds a per-attempt timeout, tenant- and
 * user-scoped task views, progress over pub/sub (SSE), cancellation that reaches the worker on any
 * process, admission control and a dead-letter queue. The `llm` and `reports` queues are two of it.
 */
export class TaskQueue<D extends TaskData, R> {
  // Untyped inside: BullMQ's generics do not follow a type parameter; `job()` and `process()` type the jobs.
  private readonly queue: Queue;
  private readonly deadLetter: Queue;
  private readonly worker?: Worker;
  private readonly connections: Redis[] = [];
  /** Bookkeeping started from worker events (see background()). */
  private readonly inFlight = new Set<Promise<void>>();
  private stopCancelWatch: () => Promise<void> = async () => {};

  private constructor(
    private readonly options: TaskQueueOptions<D, R>,
    readonly events: TaskEventBus,
  ) {
    // BullMQ's blocking commands need connections of their own that retry forever.
    const connection = () => {
      const redis = options.redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
      this.connections.push(redis);
      return redis;
    };
    const prefix = `${options.prefix}bull`;
    this.queue = new Queue(options.queue, { connection: connection(), prefix });
    this.deadLetter = new Queue(`${options.queue}-dead-letter`, { connection: connection(), prefix });
    if (options.concurrency > 0) {
      this.worker = new Worker(
        options.queue,
        (job, _token, signal) => this.process(job as Job<D, R>, signal),
        {
          connection: connection(),
          prefix,
          concurrency: options.concurrency,
        },
      );
      this.worker.on('completed', (job, result) =>
        this.background(this.events.publish(job.id!, { type: 'completed', result })),
      );
      this.worker.on(
        'failed',
        (job, error) => job && this.background(this.onFailed(job as Job<D, R>, error)),
      );
      this.worker.on('error', (error) =>
        options.logger.warn({ err: error.message, queue: options.queue }, 'task worker error'),
      );
    }
  }

  static async open<D extends TaskData, R>(options: TaskQueueOptions<D, R>): Promise<TaskQueue<D, R>> {
    const tasks = new TaskQueue(options, new TaskEventBus(options.redis, options.prefix));
    // Cancellations reach whichever process runs the task: only processes with a worker listen.
    const worker = tasks.worker;
    if (worker)
      tasks.stopCancelWatch = await tasks.events.subscribe('cancel', (event) => {
        if (event.type === 'cancel') worker.cancelJob(event.taskId, CANCELLED);
      });
    return tasks;
  }

  get name(): string {
    return this.options.queue;
  }

  get kind(): TaskKind {
    return this.options.kind;
  }

  /**
   * Queues a task (`id`: the task's id, chosen by the caller; a new UUIDv7 otherwise). `priority`:
   * 1 is served first, larger numbers later; without one a task goes before every prioritised one.
   */
  async submit(data: D, options: { id?: string; priority?: number } = {}): Promise<Submission> {
    const waiting = await this.queue.getJobCountByTypes('waiting', 'prioritized', 'delayed');
    if (waiting >= this.options.maxWaiting) return { accepted: false, waiting };
    const id = options.id ?? newId();
    await this.queue.add(this.options.kind, data, {
      jobId: id,
      attempts: this.options.attempts,
      backoff: { type: 'exponential', delay: this.options.backoffMs ?? 1000 },
      ...(options.priority ? { priority: options.priority } : {}),
      removeOnComplete: { age: 86_400, count: 10_000 },
      removeOnFail: { age: 7 * 86_400 },
    });
    return { accepted: true, id };
  }

  /** Job counts by state (prioritised jobs count as waiting), for metrics. */
  async counts(): Promise<QueueCounts> {
    const c = await this.queue.getJobCounts(
      'waiting',
      'prioritized',
      'active',
      'delayed',
      'failed',
      'completed',
    );
    return {
      waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
      active: c.active ?? 0,
      delayed: c.delayed ?? 0,
      failed: c.failed ?? 0,
      completed: c.completed ?? 0,
    };
  }

  /** The task if it exists and belongs to this caller; undefined otherwise (another tenant's task does not exist). */
  async get(tenantId: string, subject: string, id: string): Promise<TaskView<R> | undefined> {
    const job = await this.job(tenantId, subject, id);
    return job && this.view(job);
  }

  /** Cancels a waiting or running task; false when there is no such task or it has finished. */
  async cancel(tenantId: string, subject: string, id: string): Promise<boolean> {
    const job = await this.job(tenantId, subject, id);
    if (!job) return false;
    const state = await job.getState();
    if (state === 'active') {
      await this.events.publish('cancel', { type: 'cancel', taskId: id });
      return true;
    }
    if (state !== 'waiting' && state !== 'prioritized' && state !== 'delayed') return false;
    await job.remove();
    await this.abandon(job.data, { id, reason: 'cancelled', error: CANCELLED });
    await this.events.publish(id, { type: 'cancelled' });
    return true;
  }

  /**
   * The task's events from now until it ends: first where it stands (or its end, if it has ended).
   * Subscribes before reading the state, so nothing between the two is lost.
   */
  async *watch(
    tenantId: string,
    subject: string,
    id: string,
    signal: AbortSignal,
  ): AsyncGenerator<TaskEvent> {
    const pending: TaskEvent[] = [];
    let wake: () => void = () => {};
    const unsubscribe = await this.events.subscribe(id, (event) => {
      pending.push(event);
      wake();
    });
    const onAbort = () => wake();
    signal.addEventListener('abort', onAbort);
    try {
      const task = await this.get(tenantId, subject, id);
      if (!task) return;
      const ended = endEventOf(task);
      if (ended) {
        yield ended;
        return;
      }
      yield { type: 'state', state: task.state === 'active' ? 'active' : 'waiting' };
      while (!signal.aborted) {
        const event = pending.shift();
        if (!event) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          continue;
        }
        yield event;
        if (isEndEvent(event)) return;
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
      await unsubscribe();
    }
  }

  async close(): Promise<void> {
    await this.stopCancelWatch();
    await this.worker?.close();
    await Promise.all(this.inFlight);
    await this.queue.close();
    await this.deadLetter.close();
    await this.events.close();
    for (const redis of this.connections) redis.disconnect();
  }

  /**
   * Work started from worker events and progress reports, which nobody awaits: a failure is
   * logged instead of becoming an unhandled rejection, and close() waits for it to finish.
   */
  private background(work: Promise<void>): void {
    const tracked: Promise<void> = work
      .catch((error: unknown) =>
        this.options.logger.warn(
          { err: (error as Error).message, queue: this.options.queue },
          'task bookkeeping failed',
        ),
      )
      .finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
  }

  private async process(job: Job<D, R>, cancelled?: AbortSignal): Promise<R> {
    const deadline = AbortSignal.timeout(this.options.jobTimeoutMs);
    const signal = cancelled ? AbortSignal.any([cancelled, deadline]) : deadline;
    const id = job.id!;
    await this.events.publish(id, { type: 'started' });
    try {
      return await this.options.run(job.data, {
        id,
        signal,
        progress: (event) => this.background(this.events.publish(id, event)),
      });
    } catch (error) {
      // A cancelled task is finished, not failed: no retry.
      if (cancelled?.aborted) throw new UnrecoverableError(CANCELLED);
      if (deadline.aborted) throw new Error(`timed out after ${this.options.jobTimeoutMs} ms`);
      throw error;
    }
  }

  private async onFailed(job: Job<D, R>, error: Error): Promise<void> {
    if (error.message === CANCELLED) {
      await this.abandon(job.data, { id: job.id!, reason: 'cancelled', error: CANCELLED });
      await this.events.publish(job.id!, { type: 'cancelled' });
      return;
    }
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError;
    if (!final) return;
    this.options.logger.warn(
      { taskId: job.id, queue: this.options.queue, err: error.message },
      'task failed its last attempt; moved to dead letter',
    );
    await this.deadLetter.add(
      'dead',
      { taskId: job.id, data: job.data, error: error.message },
      { jobId: job.id },
    );
    await this.abandon(job.data, { id: job.id!, reason: 'failed', error: error.message });
    await this.events.publish(job.id!, { type: 'failed', error: error.message });
  }

  private async abandon(data: D, abandonment: Abandonment): Promise<void> {
    try {
      await this.options.onAbandoned?.(data, abandonment);
    } catch (error) {
      this.options.logger.error(
        { err: (error as Error).message, queue: this.options.queue },
        'recording an abandoned task failed',
      );
    }
  }

  private async job(tenantId: string, subject: string, id: string): Promise<Job<D, R> | undefined> {
    const job = (await this.queue.getJob(id)) as Job<D, R> | undefined;
    if (!job || job.data.tenantId !== tenantId || job.data.subject !== subject) return undefined;
    return job;
  }

  private async view(loaded: Job<D, R>): Promise<TaskView<R>> {
    const raw = await loaded.getState();
    // The job was read before its state: one that ended in between carries no result or reason
    // yet. Ending writes both at once and is final, so reading it again now gives them.
    const ended = raw === 'completed' || raw === 'failed';
    const job = (ended && ((await this.queue.getJob(loaded.id!)) as Job<D, R> | undefined)) || loaded;
    const cancelled = raw === 'failed' && job.failedReason === CANCELLED;
    const state: TaskState = cancelled
      ? 'cancelled'
      : raw === 'completed' || raw === 'failed' || raw === 'active'
        ? raw
        : 'waiting';
    return {
      id: job.id!,
      kind: this.options.kind,
      state,
      createdAt: new Date(job.timestamp).toISOString(),
      finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : undefined,
      attempts: job.attemptsMade,
      result: state === 'completed' ? job.returnvalue : undefined,
      error: state === 'failed' ? job.failedReason : undefined,
    };
  }
}

function endEventOf(task: TaskView): TaskEvent | undefined {
  if (task.state === 'completed' && task.result !== undefined)
    return { type: 'completed', result: task.result };
  if (task.state === 'failed') return { type: 'failed', error: task.error ?? 'failed' };
  if (task.state === 'cancelled') return { type: 'cancelled' };
  return undefined;
}
