import { Redis } from 'ioredis';
import pg from 'pg';

/** A new, empty PostgreSQL database `name` on the server of `adminUrl`; returns its URL. */
export async function createScratchDatabase(adminUrl: string, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

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
  const admin = new pg.Client({ connectionString: options.adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${options.name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
