import { randomBytes } from 'node:crypto';
import { type Database, openDatabase } from '@parley/db';
import pg from 'pg';

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
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const database = openDatabase({ url: url.toString(), poolMax });
  return {
    database,
    async drop() {
      await database.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    },
  };
}
