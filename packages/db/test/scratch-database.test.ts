import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { createScratchDatabase, dropScratchDatabase } from '../src/testing/index.js';

const adminUrl = process.env.DATABASE_URL;

async function databaseExists(name: string): Promise<boolean> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const { rows } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    return rows.length === 1;
  } finally {
    await admin.end();
  }
}

describe.skipIf(!adminUrl)('scratch databases on PostgreSQL', () => {
  it('creates an empty database reachable at the URL it returns, and drops it with its connections', async () => {
    const name = `parley_scratch_${randomBytes(6).toString('hex')}`;
    const url = await createScratchDatabase(adminUrl!, name);
    expect(new URL(url).pathname).toBe(`/${name}`);
    const client = new pg.Client({ connectionString: url });
    const terminated = new Promise<unknown>((resolve) => client.on('error', resolve));
    await client.connect();
    try {
      const { rows } = await client.query('SELECT current_database() AS name');
      expect(rows[0].name).toBe(name);
      // Still connected: the drop forces the connection off instead of failing.
      await dropScratchDatabase(adminUrl!, name);
      expect(await databaseExists(name)).toBe(false);
      expect(await terminated).toMatchObject({ code: '57P01' }); // admin_shutdown: forced off
    } finally {
      await client.end().catch(() => {});
    }
    // Dropping what is already gone is not an error.
    await dropScratchDatabase(adminUrl!, name);
  });
});
