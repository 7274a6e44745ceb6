import { queryRows } from '@parley/db';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
});

describe('conversation tables', () => {
  it('force row-level security on every table', async () => {
    const rows = await queryRows<{ relname: string; relrowsecurity: boolean; relforcerowsecurity: boolean }>(
      database.db,
      sql`SELECT relname, relrowsecurity, relforcerowsecurity FROM pg_class
          WHERE relname IN ('conversations', 'messages', 'attachments') ORDER BY relname`,
    );
    expect(rows).toEqual([
      { relname: 'attachments', relrowsecurity: true, relforcerowsecurity: true },
      { relname: 'conversations', relrowsecurity: true, relforcerowsecurity: true },
      { relname: 'messages', relrowsecurity: true, relforcerowsecurity: true },
    ]);
  });
});
