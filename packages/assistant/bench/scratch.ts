import { randomBytes } from 'node:crypto';
import { type Database, openDatabase } from '@parley/db';
import { createScratchDatabase, dropScratchDatabase } from '@parley/db/testing';

/**
 * A migrated PostgreSQL database of its own at DATABASE_URL (default the local server), dropped by
 * `drop()`: benchmarks measure PostgreSQL, not PGlite, and leave nothing behind.
 */
export async function scratchDatabase(
  tag: string,
  poolMax = 10,
): Promise<{ database: Database; drop(): Promise<void> }> {
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const name = `parley_bench_${tag}_${randomBytes(4).toString('hex')}`;
  const database = openDatabase({ url: await createScratchDatabase(adminUrl, name), poolMax });
  return {
    database,
    async drop() {
      await database.close();
      await dropScratchDatabase(adminUrl, name);
    },
  };
}
