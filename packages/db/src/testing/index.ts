import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../database.js';

export interface TestDatabase extends Database {
  /** Drops the database (PostgreSQL) or discards it (PGlite). */
  close(): Promise<void>;
}

/**
 * A fresh, migrated database for one test file: on the PostgreSQL server named by DATABASE_URL
 * when it is set (a new database per call, dropped on close), otherwise an in-memory PGlite.
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const database = openDatabase();
    await database.migrate();
    return database;
  }
  const name = `parley_test_${randomBytes(6).toString('hex')}`;
  const url = await createScratchDatabase(adminUrl, name);
  const database = openDatabase({ url, poolMax: 4 });
  await database.migrate();
  return {
    ...database,
    async close() {
      await database.close();
      await dropScratchDatabase(adminUrl, name);
    },
  };
}

/** Creates the empty database `name` on the PostgreSQL server of `adminUrl`; returns its URL. */
export async function createScratchDatabase(adminUrl: string, name: string): Promise<string> {
  await asAdmin(adminUrl, `CREATE DATABASE ${name}`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops the database `name` on the server of `adminUrl`, forcing its connections off. */
export async function dropScratchDatabase(adminUrl: string, name: string): Promise<void> {
  await asAdmin(adminUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/** CREATE/DROP DATABASE run outside any database of ours, on a connection of their own. */
async function asAdmin(adminUrl: string, statement: string): Promise<void> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(statement);
  } finally {
    await admin.end();
  }
}
