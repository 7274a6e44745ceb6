import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startCacheServer } from '@parley/cache';
import type { Logger } from '@parley/kit';
import { Redis } from 'ioredis';

/** How long start-up waits for REDIS_URL before going on without it (readiness then fails). */
const CONNECT_WAIT_MS = 5000;

export interface RedisConnection {
  /** The one client the platform shares: queues, rate limits, caches, pub/sub, revocation. */
  redis: Redis;
  close(): Promise<void>;
}

/**
 * Redis for the platform: the server at REDIS_URL, or else Parley's own cache server started
 * in this process on a loopback port, persisting to `<dataDir>/cache` (AOF, fsync every second)
 * and never evicting, as BullMQ requires. Both are reached through ioredis, so every feature
 * runs the same code on either.
 */
export async function openRedis(
  redisUrl: string | undefined,
  dataDir: string,
  logger: Logger,
): Promise<RedisConnection> {
  if (redisUrl) {
    // Offline queue on and no lazy connect: the modules' duplicated connections (subscribers,
    // BullMQ) inherit these options and must connect by themselves. maxRetriesPerRequest keeps
    // requests from waiting long on a Redis that is down.
    const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
    redis.on('error', (error) => logger.warn({ err: error.message }, 'redis connection error'));
    const ready = await Promise.race([
      once(redis, 'ready').then(() => true),
      new Promise<boolean>((resolve) => setTimeout(resolve, CONNECT_WAIT_MS, false).unref()),
    ]);
    if (!ready) logger.warn('redis not reachable yet; readiness reports it until it is');
    logger.info('using Redis from REDIS_URL');
    return { redis, close: async () => redis.disconnect() };
  }
  // A password nobody else knows: other local users can reach a loopback port.
  const password = randomBytes(24).toString('base64url');
  const server = await startCacheServer({
    port: 0,
    host: '127.0.0.1',
    requirepass: password,
    appendonly: true,
    appendfsync: 'everysec',
    dir: join(dataDir, 'cache'),
    maxmemoryPolicy: 'noeviction',
    logger,
  });
  const url = `redis://:${password}@${server.host}:${server.port}`;
  const endpointFile = embeddedEndpointFile(dataDir);
  // Operator commands (`parley iam rotate-keys`, `parley worker`) read it to reach the running server.
  writeFileSync(endpointFile, `${url}\n`, { mode: 0o600 });
  const redis = new Redis(url, { maxRetriesPerRequest: 1 });
  redis.on('error', (error) => logger.warn({ err: error.message }, 'embedded cache connection error'));
  await redis.ping();
  logger.info({ port: server.port }, 'using the embedded Parley cache server (REDIS_URL not set)');
  return {
    redis,
    async close() {
      await redis.quit().catch(() => redis.disconnect());
      rmSync(endpointFile, { force: true });
      await server.close();
    },
  };
}

const embeddedEndpointFile = (dataDir: string) => join(dataDir, 'cache', 'endpoint');

/** The URL of the embedded cache server a `parley start` on this data directory runs, if one runs. */
export function embeddedCacheUrl(dataDir: string): string | undefined {
  try {
    return readFileSync(embeddedEndpointFile(dataDir), 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
