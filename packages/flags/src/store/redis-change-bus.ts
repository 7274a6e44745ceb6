import type { Redis } from 'ioredis';
import type { ChangeBus, ChangeHandler, ChangeNotice } from './change-bus.js';

export const FLAG_CHANGES_CHANNEL = 'parley:flags:changes';

/**
 * Change notices over Redis pub/sub (Redis, Valkey or Parley's own cache server): every process
 * subscribes on a connection of its own (a subscribed connection can run nothing else) and
 * publishes on the shared one. Pub/sub is fire-and-forget; a process that misses a notice still
 * converges because cached rulesets are revalidated against the database (PgFlagStore).
 */
export class RedisChangeBus implements ChangeBus {
  private readonly subscriber: Redis;
  private readonly handlers: ChangeHandler[] = [];
  private readonly ready: Promise<unknown>;

  constructor(private readonly redis: Redis) {
    this.subscriber = redis.duplicate();
    this.subscriber.on('error', () => undefined); // ioredis reconnects; errors must not crash
    this.subscriber.on('message', (channel: string, message: string) => {
      if (channel !== FLAG_CHANGES_CHANNEL) return;
      let notice: ChangeNotice;
      try {
        notice = JSON.parse(message) as ChangeNotice;
      } catch {
        return;
      }
      for (const handler of this.handlers) handler(notice);
    });
    this.ready = this.subscriber.subscribe(FLAG_CHANGES_CHANNEL);
  }

  /** Resolves once the subscription is active (notices published before are not received). */
  async started(): Promise<void> {
    await this.ready;
  }

  async publish(notice: ChangeNotice): Promise<void> {
    await this.redis.publish(FLAG_CHANGES_CHANNEL, JSON.stringify(notice));
  }

  onNotice(handler: ChangeHandler): void {
    this.handlers.push(handler);
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }
}
