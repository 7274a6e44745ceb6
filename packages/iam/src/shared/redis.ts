import { randomUUID } from 'node:crypto';
import type { Redis, Result } from 'ioredis';
import type { Admission, AdmissionResult, Invalidation, SharedState, WindowResult } from './state.js';

/**
 * Sliding-window log in a sorted set, timed by the Redis server's clock (TIME), so every API
 * process shares one notion of "now" and one limit. Scores are microseconds; members are unique.
 * `slide` returns {allowed, count after, ms until the oldest hit leaves the window}.
 */
const SLIDE = `
local function slide(key, window, limit, consume, member, now)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  local allowed = 0
  if count < limit then
    allowed = 1
    if consume then
      redis.call('ZADD', key, now, member)
      count = count + 1
    end
  end
  redis.call('PEXPIRE', key, math.floor(window / 1000))
  local reset = 0
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  if oldest[2] then reset = math.ceil((tonumber(oldest[2]) + window - now) / 1000) end
  return {allowed, count, reset}
end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
`;

/** KEYS[1] window; ARGV windowMs, limit, consume ('1'/'0'), member. */
const SLIDING_WINDOW = `${SLIDE}
return slide(KEYS[1], tonumber(ARGV[1]) * 1000, tonumber(ARGV[2]), ARGV[3] == '1', ARGV[4], now)
`;

/**
 * One request's admission: KEYS = the windows, then the deny-list key when a token is checked;
 * ARGV = windowMs, number of windows, then limit and member per window. Returns {-1} for a
 * denied token (nothing consumed), else {allowed, count, reset} per window up to the first full one.
 */
const ADMIT = `${SLIDE}
local windows = tonumber(ARGV[2])
if #KEYS > windows and redis.call('EXISTS', KEYS[#KEYS]) == 1 then return {-1} end
local window = tonumber(ARGV[1]) * 1000
local out = {}
for i = 1, windows do
  local result = slide(KEYS[i], window, tonumber(ARGV[1 + 2 * i]), true, ARGV[2 + 2 * i], now)
  for _, v in ipairs(result) do out[#out + 1] = v end
  if result[1] == 0 then break end
end
return out
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
    parleyAdmit(numberOfKeys: number, ...keysThenArgs: (string | number)[]): Result<number[], Context>;
  }
}

export interface RedisStateOptions {
  /** Prefix of every key and of the channel, so deployments (and tests) sharing a Redis stay apart. */
  prefix: string;
}

function windowResult(limit: number, allowed: number, count: number, reset: number): WindowResult {
  return { allowed: allowed === 1, limit, remaining: Math.max(0, limit - count), resetMs: reset };
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
    redis.defineCommand('parleyAdmit', { lua: ADMIT });
  }

  private key(name: string): string {
    return `${this.options.prefix}${name}`;
  }

  async denyToken(jti: string, ttlMs: number): Promise<void> {
    await this.redis.set(this.key(`iam:deny:${jti}`), '1', 'PX', Math.max(1, Math.ceil(ttlMs)));
  }

  async admit({ jti, windows, windowMs }: Admission): Promise<AdmissionResult> {
    const keys = windows.map(({ key }) => this.key(`rl:${key}`));
    if (jti !== undefined) keys.push(this.key(`iam:deny:${jti}`));
    const args = windows.flatMap(({ limit }) => [limit, randomUUID()]);
    const reply = await this.redis.parleyAdmit(keys.length, ...keys, windowMs, windows.length, ...args);
    if (reply[0] === -1) return { tokenDenied: true, windows: [] };
    const results: WindowResult[] = [];
    for (let i = 0; i < reply.length; i += 3) {
      const limit = windows[i / 3]!.limit;
      const [allowed, count, reset] = reply.slice(i, i + 3) as WindowReply;
      results.push(windowResult(limit, allowed, count, reset));
    }
    return { tokenDenied: false, windows: results };
  }

  async slidingWindow(key: string, limit: number, windowMs: number, consume: boolean): Promise<WindowResult> {
    const [allowed, count, reset] = await this.redis.parleySlidingWindow(
      this.key(`rl:${key}`),
      windowMs,
      limit,
      consume ? '1' : '0',
      randomUUID(),
    );
    return windowResult(limit, allowed, count, reset);
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
