import { resolve } from 'node:path';
import { AnswerCache, seedSales } from '@parley/assistant';
import { openDatabase } from '@parley/db';
import { requireTenant } from '@parley/iam';
import { systemClock } from '@parley/kit';
import { Redis } from 'ioredis';
import type { ServerConfig } from './config.js';
import { databaseOptions } from './main.js';
import { embeddedCacheUrl } from './redis.js';

export interface SalesSeedCommandOptions {
  rows?: string;
  tenant?: string;
}

const WIDTH = 30;

/** A progress bar on a terminal (redrawn in place), nothing when output is piped. */
function progressBar(stream: NodeJS.WriteStream, started: number) {
  let last = 0;
  return (done: number, total: number) => {
    const now = performance.now();
    if (!stream.isTTY || (now - last < 100 && done < total)) return;
    last = now;
    const filled = Math.round((done / total) * WIDTH);
    const seconds = (now - started) / 1000;
    stream.write(
      `\r[${'#'.repeat(filled)}${' '.repeat(WIDTH - filled)}] ${Math.floor((done / total) * 100)}% ` +
        `${done.toLocaleString('en-US')}/${total.toLocaleString('en-US')} rows, ${seconds.toFixed(1)} s`,
    );
    if (done === total) stream.write('\n');
  };
}

/**
 * `parley seed --sales --rows N [--tenant slug]`: replaces the tenant's sales warehouse with N
 * generated order lines (three years up to yesterday) and announces the new data version, so
 * running servers sharing REDIS_URL (or the embedded cache of a server on this data directory)
 * stop serving answers from the old data at once; others re-read the version within 30 s.
 */
export async function seedSalesCommand(
  config: ServerConfig,
  options: SalesSeedCommandOptions,
): Promise<void> {
  const rows = Number(options.rows ?? '100000');
  if (!Number.isInteger(rows) || rows < 1 || rows > 50_000_000)
    throw new Error(`--rows must be a whole number from 1 to 50,000,000, got ${options.rows}`);
  const database = openDatabase(databaseOptions(config));
  // The shared Redis, or the embedded cache of a server running on this data directory.
  const redisUrl = config.REDIS_URL ?? embeddedCacheUrl(resolve(config.PARLEY_DATA_DIR));
  const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  try {
    await database.migrate();
    const tenant = await requireTenant(database.db, options.tenant ?? 'acme');
    const started = performance.now();
    const result = await seedSales(database.db, {
      tenantId: tenant.id,
      rows,
      // Seeded by the slug, like the development demo seed: the same tenant gets the same catalogue.
      seed: tenant.slug,
      clock: systemClock,
      onProgress: progressBar(process.stderr, started),
    });
    await new AnswerCache(redis ? { redis } : {}).announce(tenant.id, result.version.version);
    const seconds = result.ms / 1000;
    process.stdout.write(
      `seeded ${result.rows.toLocaleString('en-US')} order lines for ${options.tenant ?? 'acme'} ` +
        `(${result.range.start} to ${result.version.through}, ${result.products} products, ${result.customers} customers) ` +
        `in ${seconds.toFixed(1)} s (${Math.round(result.rows / seconds).toLocaleString('en-US')} rows/s, ${database.kind}); ` +
        `data version ${result.version.version}\n`,
    );
  } finally {
    redis?.disconnect();
    await database.close();
  }
}
