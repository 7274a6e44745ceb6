import type { Redis } from 'ioredis';
import type { NarrationEvent } from '../llm/provider.js';

/** What a running task tells its watchers: a narration's tokens, or a step of a longer job. */
export type TaskProgress =
  | NarrationEvent
  /** Step `step` of `steps` has begun (e.g. computing, rendering, storing a report). */
  | { type: 'progress'; stage: string; step: number; steps: number };

/** What a task's watchers are told, in order: progress as it happens, then one end event. */
export type TaskEvent =
  /** The first event a watcher gets: where the task stood when it started watching. */
  | { type: 'state'; state: 'waiting' | 'active' }
  | { type: 'started' }
  | TaskProgress
  /** The task's result: a narration, or a report's attachments. */
  | { type: 'completed'; result: unknown }
  | { type: 'failed'; error: string }
  | { type: 'cancelled' }
  /** On the cancellation topic: every process aborts the task if its worker runs it. */
  | { type: 'cancel'; taskId: string };

export const isEndEvent = (event: TaskEvent) =>
  event.type === 'completed' || event.type === 'failed' || event.type === 'cancelled';

type Listener = (event: TaskEvent) => void;

/**
 * Task progress over Redis pub/sub, so a client watching a task on one process sees the tokens
 * of a worker on another. One subscriber connection per process serves every watcher.
 */
export class TaskEventBus {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly subscriber: Redis;

  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {
    this.subscriber = redis.duplicate({ maxRetriesPerRequest: null });
    this.subscriber.on('message', (channel: string, message: string) => {
      const set = this.listeners.get(channel);
      if (!set) return;
      const event = JSON.parse(message) as TaskEvent;
      for (const listener of set) listener(event);
    });
  }

  /** A task's own topic is its id; other topics (such as cancellations) have names of their own. */
  async publish(topic: string, event: TaskEvent): Promise<void> {
    await this.redis.publish(`${this.prefix}task:${topic}`, JSON.stringify(event));
  }

  /** Resolves once the subscription is active, so nothing published after it is missed. */
  async subscribe(topic: string, listener: Listener): Promise<() => Promise<void>> {
    const channel = `${this.prefix}task:${topic}`;
    let set = this.listeners.get(channel);
    if (!set) {
      set = new Set();
      this.listeners.set(channel, set);
      await this.subscriber.subscribe(channel);
    }
    set.add(listener);
    return async () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(channel) === set) {
        this.listeners.delete(channel);
        await this.subscriber.unsubscribe(channel);
      }
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    await this.subscriber.quit().catch(() => this.subscriber.disconnect());
  }
}
