import { randomUUID } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import type { Invalidation, SharedState, WindowResult } from './state.js';

/**
 * Sliding-window log in a sorted set, timed by the Redis server's clock (TIME), so every API
 * process shares one notion of "now" and one limit. Scores are microseconds; members are unique.
 * Returns {allowed, count after, ms until the oldest hit leaves the window}.
 */
const SLIDING_WINDOW = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local window = tonumber(ARGV[1]) * 1000
local limit = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  allowed = 1
  if ARGV[3] == '1' then
    redis.call('ZADD', KEYS[1], now, ARGV[4])
    count = count + 1
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local reset = 0
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
if oldest[2] then reset = math.ceil((tonumber(oldest[2]) + window - now) / 1000) end
return {allowed, count, reset}
`;

type WindowReply = [number, number, number];

declare module 'ioredis' {
  interface RedisCommander<Context> {
    parleySlidingWindow(
      key: string,
      windowMs: number,
      limit: number,
      consume: string,
      member: string,
    ): Result<WindowReply, Context>;
  }
}

export interface RedisStateOptions {
  /** Prefix of every key and of the channel, so deployments (and tests) sharing a Redis stay apart. */
  prefix: string;
}

/** SharedState on Redis: correct across any number of API processes. */
export class RedisState implements SharedState {
  readonly kind = 'redis';
  private readonly channel: string;
  private readonly handlers: ((message: Invalidation) => void)[] = [];
  private subscriber: Redis | undefined;

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisStateOptions,
  ) {
    this.channel = `${options.prefix}iam:invalidate`;
    redis.defineCommand('parleySlidingWindow', { numberOfKeys: 1, lua: SLIDING_WINDOW });
  }

  private key(name: string): string {
    return `${this.options.prefix}${name}`;
  }

  async denyToken(jti: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(`iam:deny:${jti}`), '1', 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async isTokenDenied(jti: string): Promise<boolean> {
    return (await this.redis.exists(this.key(`iam:deny:${jti}`))) === 1;
  }

  async slidingWindow(key: string, limit: number, windowMs: number, consume: boolean): Promise<WindowResult> {
    const [allowed, count, reset] = await this.redis.parleySlidingWindow(
      this.key(`rl:${key}`),
      windowMs,
      limit,
      consume ? '1' : '0',
      randomUUID(),
    );
    return { allowed: allowed === 1, limit, remaining: Math.max(0, limit - count), resetMs: reset };
  }

  async resetWindow(key: string): Promise<void> {
    await this.redis.del(this.key(`rl:${key}`));
  }

  async publish(message: Invalidation): Promise<void> {
    await this.redis.publish(this.channel, JSON.stringify(message));
  }

  /** Subscribes on a second connection (a subscribed connection can run nothing else). */
  subscribe(handler: (message: Invalidation) => void): void {
    this.handlers.push(handler);
    if (this.subscriber) return;
    // Its own connection that queues while connecting, whatever the command connection's options.
    const subscriber = this.redis.duplicate({ lazyConnect: false, enableOfflineQueue: true });
    this.subscriber = subscriber;
    subscriber.on('error', () => {});
    subscriber.on('message', (_channel: string, raw: string) => {
      let message: Invalidation;
      try {
        message = JSON.parse(raw) as Invalidation;
      } catch {
        return;
      }
      for (const h of this.handlers) h(message);
    });
    void subscriber.subscribe(this.channel).catch(() => {});
  }

  /** Resolves once the invalidation subscription is live (tests and startup wait for it). */
  async ready(): Promise<void> {
    if (!this.subscriber) return;
    if (this.subscriber.status !== 'ready') await new Promise((r) => this.subscriber?.once('ready', r));
    await this.subscriber.subscribe(this.channel);
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
  }
}
