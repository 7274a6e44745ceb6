import { randomBytes } from 'node:crypto';
import type { Logger } from '@parley/kit';
import type { Redis } from 'ioredis';

export interface AnswerCacheOptions {
  /** Shared Redis; without it the cache is in-process only (one process, tests, tools). */
  redis?: Redis;
  /** Key and channel prefix. */
  prefix?: string;
  /** Redis TTL of a result: a safety net, since a data version bump already makes old keys unreachable. */
  ttlSeconds?: number;
  /** In-process (L1) entries kept, oldest dropped first. */
  l1Entries?: number;
  /**
   * How long an L1 entry lives; the Redis TTL by default. Version announcements drop entries of
   * older data at once, and the version is re-read after `versionMs` even without them, so this
   * only bounds memory held by answers no one asks again.
   */
  l1Ms?: number;
  /** How long one process may hold a key's computation before others compute it themselves. */
  lockMs?: number;
  /** How long a tenant's data version is trusted without a fresh read (pub/sub usually updates it sooner). */
  versionMs?: number;
  logger?: Logger;
  now?: () => number;
}

export type CacheSource = 'l1' | 'redis' | 'computed';

interface L1Entry {
  tenantId: string;
  value: unknown;
  expires: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Results of the fast path, cached in two levels under keys that carry the tenant and its data
 * version: an in-process L1 map and Redis (shared by every process). A warehouse refresh bumps the
 * version and announces it on a pub/sub channel; every process then drops its L1 entries of that
 * tenant and reads the new version, so answers from the older data are never served again.
 * Stampede protection: concurrent misses of one key share a single computation: in-process by
 * sharing the promise, across processes by a short Redis lock while the others poll for the value.
 */
export class AnswerCache {
  private readonly redis: Redis | undefined;
  private readonly prefix: string;
  private readonly ttlSeconds: number;
  private readonly l1Entries: number;
  private readonly l1Ms: number;
  private readonly lockMs: number;
  private readonly versionMs: number;
  private readonly now: () => number;
  private readonly logger: Logger | undefined;
  private readonly l1 = new Map<string, L1Entry>();
  private readonly inflight = new Map<string, Promise<{ value: unknown; source: CacheSource }>>();
  private readonly versions = new Map<string, { version: number; read: number }>();
  private subscriber: Redis | undefined;

  constructor(options: AnswerCacheOptions = {}) {
    this.redis = options.redis;
    this.prefix = options.prefix ?? 'parley:assistant:sales';
    this.ttlSeconds = options.ttlSeconds ?? 3600;
    this.l1Entries = options.l1Entries ?? 2000;
    this.l1Ms = options.l1Ms ?? this.ttlSeconds * 1000;
    this.lockMs = options.lockMs ?? 5000;
    this.versionMs = options.versionMs ?? 30_000;
    this.now = options.now ?? Date.now;
    this.logger = options.logger;
  }

  get channel(): string {
    return `${this.prefix}:versions`;
  }

  /** Subscribes to version announcements of other processes. */
  async start(): Promise<void> {
    if (!this.redis || this.subscriber) return;
    const subscriber = this.redis.duplicate({ lazyConnect: true });
    subscriber.on('error', (error) =>
      this.logger?.warn({ err: error.message }, 'answer cache subscriber error'),
    );
    subscriber.on('message', (_channel: string, message: string) => this.onAnnouncement(message));
    this.subscriber = subscriber;
    try {
      await subscriber.connect();
      await subscriber.subscribe(this.channel);
    } catch (error) {
      // Without the channel, versions are still re-read after versionMs: stale for at most that long.
      this.logger?.warn({ err: (error as Error).message }, 'answer cache: version channel unavailable');
    }
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    this.subscriber = undefined;
  }

  private onAnnouncement(message: string): void {
    try {
      const { tenantId, version } = JSON.parse(message) as { tenantId: unknown; version: unknown };
      if (typeof tenantId === 'string' && typeof version === 'number') this.setVersion(tenantId, version);
    } catch {
      // Not ours or malformed: nothing to invalidate.
    }
  }

  /** Records a tenant's data version and drops its L1 entries computed from other versions. */
  private setVersion(tenantId: string, version: number): void {
    const known = this.versions.get(tenantId);
    this.versions.set(tenantId, { version, read: this.now() });
    if (known?.version === version) return;
    for (const [key, entry] of this.l1) if (entry.tenantId === tenantId) this.l1.delete(key);
  }

  /** The tenant's data version: from memory while fresh, else from `load` (the warehouse). */
  async version(tenantId: string, load: () => Promise<number>): Promise<number> {
    const known = this.versions.get(tenantId);
    if (known && this.now() - known.read < this.versionMs) return known.version;
    const version = await load();
    this.setVersion(tenantId, version);
    return version;
  }

  /** After a refresh: every process (this one at once) moves the tenant to the new version. */
  async announce(tenantId: string, version: number): Promise<void> {
    this.setVersion(tenantId, version);
    if (!this.redis) return;
    await this.redis.publish(this.channel, JSON.stringify({ tenantId, version })).catch((error: Error) => {
      this.logger?.warn({ err: error.message }, 'answer cache: version announcement failed');
    });
  }

  /** The full cache key of a result: tenant, data version and a digest of the plan. */
  key(tenantId: string, version: number, digest: string): string {
    return `${this.prefix}:${tenantId}:v${version}:${digest}`;
  }

  /** The cached value of `key`, or `compute()` once for all concurrent callers of this key. */
  async getOrCompute<T>(
    tenantId: string,
    key: string,
    compute: () => Promise<T>,
  ): Promise<{ value: T; source: CacheSource }> {
    const hit = this.l1.get(key);
    if (hit && hit.expires > this.now()) return { value: hit.value as T, source: 'l1' };
    let flight = this.inflight.get(key);
    if (!flight) {
      flight = this.fetch(key, compute).finally(() => this.inflight.delete(key));
      this.inflight.set(key, flight);
    }
    const result = await flight;
    this.remember(tenantId, key, result.value);
    return result as { value: T; source: CacheSource };
  }

  private remember(tenantId: string, key: string, value: unknown): void {
    this.l1.delete(key);
    this.l1.set(key, { tenantId, value, expires: this.now() + this.l1Ms });
    if (this.l1.size > this.l1Entries) this.l1.delete(this.l1.keys().next().value!);
  }

  private async fetch(
    key: string,
    compute: () => Promise<unknown>,
  ): Promise<{ value: unknown; source: CacheSource }> {
    const redis = this.redis;
    if (!redis) return { value: await compute(), source: 'computed' };
    const stored = await this.read(key);
    if (stored !== undefined) return { value: stored, source: 'redis' };
    const lock = `${key}:lock`;
    const token = randomBytes(8).toString('hex');
    const owner = await redis.set(lock, token, 'PX', this.lockMs, 'NX').catch(() => 'OK');
    if (owner !== 'OK') {
      // Another process computes this key: wait for its value rather than hitting the database too.
      const deadline = this.now() + this.lockMs;
      while (this.now() < deadline) {
        await sleep(20);
        const value = await this.read(key);
        if (value !== undefined) return { value, source: 'redis' };
      }
    }
    const value = await compute();
    await redis
      .set(key, JSON.stringify(value), 'EX', this.ttlSeconds)
      .then(() => redis.del(lock))
      .catch((error: Error) => this.logger?.warn({ err: error.message }, 'answer cache: write failed'));
    return { value, source: 'computed' };
  }

  /** The stored value, or undefined on a miss or when Redis cannot answer (the cache is an optimisation). */
  private async read(key: string): Promise<unknown> {
    try {
      const text = await this.redis!.get(key);
      return text === null ? undefined : JSON.parse(text);
    } catch (error) {
      this.logger?.warn({ err: (error as Error).message }, 'answer cache: read failed');
      return undefined;
    }
  }
}
