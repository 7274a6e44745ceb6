import type { TaskEvent } from './events.js';
import type { TaskView } from './task-queue.js';

/** What the tasks API needs of a queue (a `TaskQueue` of any kind). */
export interface TaskSource {
  get(tenantId: string, subject: string, id: string): Promise<TaskView | undefined>;
  cancel(tenantId: string, subject: string, id: string): Promise<boolean>;
  watch(tenantId: string, subject: string, id: string, signal: AbortSignal): AsyncGenerator<TaskEvent>;
}

/**
 * The tasks of every queue under one id space (task ids are UUIDv7s, unique across queues): the
 * tasks API asks each queue in turn for the id, so `/v1/tasks/:id` serves narrations and reports.
 */
export class TaskDirectory implements TaskSource {
  constructor(private readonly queues: readonly TaskSource[]) {}

  private async find(tenantId: string, subject: string, id: string) {
    for (const queue of this.queues) {
      const task = await queue.get(tenantId, subject, id);
      if (task) return { queue, task };
    }
    return undefined;
  }

  async get(tenantId: string, subject: string, id: string): Promise<TaskView | undefined> {
    return (await this.find(tenantId, subject, id))?.task;
  }

  async cancel(tenantId: string, subject: string, id: string): Promise<boolean> {
    const found = await this.find(tenantId, subject, id);
    return found ? found.queue.cancel(tenantId, subject, id) : false;
  }

  async *watch(
    tenantId: string,
    subject: string,
    id: string,
    signal: AbortSignal,
  ): AsyncGenerator<TaskEvent> {
    const found = await this.find(tenantId, subject, id);
    if (found) yield* found.queue.watch(tenantId, subject, id, signal);
  }
}
