import type { Logger } from '@parley/kit';
import type { Redis } from 'ioredis';
import type { Narration, NarrationProvider, NarrationRequest } from '../llm/provider.js';
import { type Abandonment, TaskQueue } from './task-queue.js';

export interface NarrationTaskData {
  tenantId: string;
  /** The user who asked: only they can see or cancel the task. */
  subject: string;
  request: NarrationRequest;
  /** The conversation answer this narration completes, if any. */
  target?: { conversationId: string; messageId: string };
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
  /** A narration that failed for good or was cancelled: its answer keeps the built-in text. */
  onAbandoned?: (data: NarrationTaskData, abandonment: Abandonment) => Promise<void>;
}

/** The `llm` queue: narrations run here, off the request path, so a slow provider never holds a fast query. */
export type NarrationTasks = TaskQueue<NarrationTaskData, Narration>;

export const NarrationTasks = {
  open(options: NarrationTasksOptions): Promise<NarrationTasks> {
    const { narrator, onNarrated, onAbandoned, ...queue } = options;
    return TaskQueue.open<NarrationTaskData, Narration>({
      ...queue,
      queue: 'llm',
      kind: 'narration',
      async run(data, context) {
        const narration = await narrator.narrate(data.request, {
          signal: context.signal,
          onEvent: context.progress,
        });
        await onNarrated?.(data, narration);
        return narration;
      },
      ...(onAbandoned ? { onAbandoned } : {}),
    });
  },
};
