import type { Logger } from '@parley/kit';
import { newId } from '@parley/kit';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Narration, NarrationProvider, NarrationRequest } from '../llm/provider.js';
import { isEndEvent, type TaskEvent, TaskEventBus } from './events.js';

export interface NarrationTaskData {
  tenantId: string;
  /** The user who asked: only they can see or cancel the task. */
  subject: string;
  request: NarrationRequest;
  /** The conversation answer this narration completes, if any. */
  target?: { conversationId: string; messageId: string };
}

export type TaskState = 'waiting' | 'active' | 'completed' | 'failed' | 'cancelled';

export interface TaskView {
  id: string;
  kind: 'narration';
  state: TaskState;
  createdAt: string;
  finishedAt?: string;
  attempts: number;
  result?: Narration;
  error?: string;
}

export interface NarrationTasksOptions {
  redis: Redis;
  /** Prefix of the queue keys and channels, e.g. `parley:`. */
  prefix: string;
  narrator: NarrationProvider;
  logger: Logger;
  /** Jobs one process narrates at once; 0 runs no worker here (`parley worker` does). */
  concurrency: number;
  /** Jobs waiting beyond this are refused at submission: the queue is saturated. */
  maxWaiting: number;
  attempts: number;
  /** Longest a job may run, retries aside. */
  jobTimeoutMs: number;
  /** Stores a finished narration where it belongs (e.g. its conversation message) before the task completes. */
  onNarrated?: (data: NarrationTaskData, narration: Narration) => Promise<void>;
}

export type Submission = { accepted: true; id: string } | { accepted: false; waiting: number };

const QUEUE = 'llm';
const DEAD_LETTER = 'llm-dead-letter';
const CANCELLED = 'cancelled by the user';

/**
 * The `llm` queue: narrations run here, off the request path, so a slow provider never holds a
 * fast query. BullMQ gives retries with backoff; this adds tenant-scoped task views,
 * progress over pub/sub, cancellation across processes, admission control and a dead-letter queue.
 */
export class NarrationTasks {
  private readonly queue: Queue<NarrationTaskData, Narration>;
  private readonly deadLetter: Queue;
  private readonly worker?: Worker<NarrationTaskData, Narration>;
  private readonly connections: Redis[] = [];
  private stopCancelWatch: () => Promise<void> = async () => {};

  private constructor(
    private readonly options: NarrationTasksOptions,
    readonly events: TaskEventBus,
  ) {
    // BullMQ's blocking commands need connections of their own that retry forever.
    const connection = () => {
      const redis = options.redis.duplicate({ maxRetriesPerRequest: null, enableOfflineQueue: true });
      this.connections.push(redis);
      return redis;
    };
    const prefix = `${options.prefix}bull`;
    this.queue = new Queue(QUEUE, { connection: connection(), prefix });
    this.deadLetter = new Queue(DEAD_LETTER, { connection: connection(), prefix });
    if (options.concurrency > 0) {
      this.worker = new Worker(QUEUE, (job, _token, signal) => this.process(job, signal), {
        connection: connection(),
        prefix,
        concurrency: options.concurrency,
      });
      this.worker.on(
        'completed',
        (job, result) => void this.events.publish(job.id!, { type: 'completed', result }),
      );
      this.worker.on('failed', (job, error) => void (job && this.onFailed(job, error)));
      this.worker.on('error', (error) => options.logger.warn({ err: error.message }, 'llm worker error'));
    }
  }

  static async open(options: NarrationTasksOptions): Promise<NarrationTasks> {
    const tasks = new NarrationTasks(options, new TaskEventBus(options.redis, options.prefix));
    // Cancellations reach whichever process runs the task: only processes with a worker listen.
    const worker = tasks.worker;
    if (worker)
      tasks.stopCancelWatch = await tasks.events.subscribe('cancel', (event) => {
        if (event.type === 'cancel') worker.cancelJob(event.taskId, CANCELLED);
      });
    return tasks;
  }

  /** Queues a narration (`id`: the task's id, chosen by the caller; a new UUIDv7 otherwise). */
  async submit(data: NarrationTaskData, options: { id?: string } = {}): Promise<Submission> {
    const waiting = await this.queue.getJobCountByTypes('waiting', 'prioritized', 'delayed');
    if (waiting >= this.options.maxWaiting) return { accepted: false, waiting };
    const id = options.id ?? newId();
    await this.queue.add('narrate', data, {
      jobId: id,
      attempts: this.options.attempts,
      backoff: { type: 'exponential', delay: 1000 },
      removeOnComplete: { age: 86_400, count: 10_000 },
      removeOnFail: { age: 7 * 86_400 },
    });
    return { accepted: true, id };
  }

  /** The task if it exists and belongs to this caller; undefined otherwise (another tenant's task does not exist). */
  async get(tenantId: string, subject: string, id: string): Promise<TaskView | undefined> {
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
    await this.queue.close();
    await this.deadLetter.close();
    await this.events.close();
    for (const redis of this.connections) redis.disconnect();
  }

  private async process(job: Job<NarrationTaskData, Narration>, cancelled?: AbortSignal): Promise<Narration> {
    const deadline = AbortSignal.timeout(this.options.jobTimeoutMs);
    const signal = cancelled ? AbortSignal.any([cancelled, deadline]) : deadline;
    await this.events.publish(job.id!, { type: 'started' });
    try {
      const narration = await this.options.narrator.narrate(job.data.request, {
        signal,
        onEvent: (event) => void this.events.publish(job.id!, event),
      });
      await this.options.onNarrated?.(job.data, narration);
      return narration;
    } catch (error) {
      // A cancelled task is finished, not failed: no retry.
      if (cancelled?.aborted) throw new UnrecoverableError(CANCELLED);
      throw error;
    }
  }

  private async onFailed(job: Job<NarrationTaskData, Narration>, error: Error): Promise<void> {
    if (error.message === CANCELLED) {
      await this.events.publish(job.id!, { type: 'cancelled' });
      return;
    }
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError;
    if (!final) return;
    this.options.logger.warn(
      { taskId: job.id, err: error.message },
      'narration task failed; moved to dead letter',
    );
    await this.deadLetter.add(
      'dead',
      { taskId: job.id, data: job.data, error: error.message },
      { jobId: job.id },
    );
    await this.events.publish(job.id!, { type: 'failed', error: error.message });
  }

  private async job(tenantId: string, subject: string, id: string) {
    const job = await this.queue.getJob(id);
    if (!job || job.data.tenantId !== tenantId || job.data.subject !== subject) return undefined;
    return job;
  }

  private async view(job: Job<NarrationTaskData, Narration>): Promise<TaskView> {
    const raw = await job.getState();
    const cancelled = raw === 'failed' && job.failedReason === CANCELLED;
    const state: TaskState = cancelled
      ? 'cancelled'
      : raw === 'completed' || raw === 'failed' || raw === 'active'
        ? raw
        : 'waiting';
    return {
      id: job.id!,
      kind: 'narration',
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
  if (task.state === 'completed' && task.result) return { type: 'completed', result: task.result };
  if (task.state === 'failed') return { type: 'failed', error: task.error ?? 'failed' };
  if (task.state === 'cancelled') return { type: 'cancelled' };
  return undefined;
}
