import type { Redis } from 'ioredis';
import type { SuggestResponse } from './suggester.js';

export interface SuggestCacheOptions {
  /** Key prefix, so several deployments or tests can share one Redis (default `suggest`). */
  prefix: string;
  /** Time to live of a cached answer (default 60 s). */
  ttlSeconds: number;
}

export const DEFAULT_CACHE_OPTIONS: SuggestCacheOptions = { prefix: 'suggest', ttlSeconds: 60 };

/**
 * Redis cache of answers for hot prefixes, shared by every server process. Keys carry the
 * tenant's index generation, so a rebuild, a delta update or a blocklist change makes every old
 * key unreachable at once; the stale ones then expire by TTL. Only answers that do not depend on
 * the user are cached. Redis faults make the cache miss rather than fail the request.
 *
 *   <prefix>:<tenant>:<generation>:<limit>:<normalized query>
 */
export class SuggestCache {
  readonly options: SuggestCacheOptions;
  private readonly redis: Redis;
  /** Redis errors swallowed so far (a miss was served instead). */
  errors = 0;

  constructor(redis: Redis, options: Partial<SuggestCacheOptions> = {}) {
    this.redis = redis;
    this.options = { ...DEFAULT_CACHE_OPTIONS, ...options };
  }

  key(tenantId: string, generation: number, limit: number, query: string): string {
    return `${this.tenantPrefix(tenantId)}${generation}:${limit}:${encodeURIComponent(query)}`;
  }

  async get(
    tenantId: string,
    generation: number,
    limit: number,
    query: string,
  ): Promise<SuggestResponse | undefined> {
    try {
      const hit = await this.redis.get(this.key(tenantId, generation, limit, query));
      return hit === null ? undefined : (JSON.parse(hit) as SuggestResponse);
    } catch {
      this.errors++;
      return undefined;
    }
  }

  async set(tenantId: string, limit: number, response: SuggestResponse): Promise<void> {
    try {
      const key = this.key(tenantId, response.generation, limit, response.query);
      await this.redis.set(key, JSON.stringify(response), 'EX', this.options.ttlSeconds);
    } catch {
      this.errors++;
    }
  }

  /** Deletes every cached answer of a tenant, whatever its generation; returns how many. */
  async purge(tenantId: string): Promise<number> {
    let deleted = 0;
    const stream = this.redis.scanStream({
      match: `${escapeGlob(this.tenantPrefix(tenantId))}*`,
      count: 500,
    });
    for await (const keys of stream as AsyncIterable<string[]>) {
      if (keys.length > 0) deleted += await this.redis.del(...keys);
    }
    return deleted;
  }

  private tenantPrefix(tenantId: string): string {
    return `${this.options.prefix}:${encodeURIComponent(tenantId)}:`;
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}
