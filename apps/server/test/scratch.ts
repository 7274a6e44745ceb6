import { dropScratchDatabase } from '@parley/db/testing';
import { Redis } from 'ioredis';

/** Drops what processes under test left behind: the database `name` and the Redis keys under `prefix`. */
export async function dropScratch(options: {
  adminUrl: string;
  name: string;
  redisUrl: string;
  prefix: string;
}): Promise<void> {
  const redis = new Redis(options.redisUrl);
  const keys = await redis.keys(`${options.prefix}*`);
  if (keys.length > 0) await redis.del(...keys);
  redis.disconnect();
  await dropScratchDatabase(options.adminUrl, options.name);
}
