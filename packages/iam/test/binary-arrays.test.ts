import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  int4Array,
  int8Array,
  jsonbArray,
  textArray,
  timestamptzArray,
  uuidArray,
} from '../src/audit/binary-arrays.js';

const url = process.env.DATABASE_URL;

describe('binary arrays', () => {
  it('refuses what the column types cannot hold, before anything is sent', () => {
    expect(() => uuidArray(['not-a-uuid'])).toThrow(TypeError);
    expect(() => uuidArray(['0190a8e0-0000-7000-8000-00000000zzzz'])).toThrow(TypeError);
    expect(() => int4Array([1.5])).toThrow(TypeError);
    expect(() => int8Array([2 ** 53])).toThrow(TypeError);
    expect(() => timestamptzArray([Number.NaN])).toThrow(TypeError);
  });

  // node-postgres sends a Buffer parameter in the binary format: the server decodes them here.
  describe.runIf(url)('as PostgreSQL reads them', () => {
    let database: TestDatabase;
    // Drizzle's handle on the driver: with DATABASE_URL, a node-postgres Pool.
    let client: { query(text: string, values?: unknown[]): Promise<{ rows: { v: string | null }[] }> };
    beforeAll(async () => {
      database = await createTestDatabase();
      client = (database.db as unknown as { $client: typeof client }).$client;
    });
    afterAll(() => database?.close());
    const read = async (type: string, value: Buffer) =>
      (await client.query(`SELECT v::text AS v FROM unnest($1::${type}) AS v`, [value])).rows.map((r) => r.v);

    it('uuid[]', async () => {
      const ids = ['0190a8e0-0000-7000-8000-000000000001', 'ffffffff-ffff-7fff-bfff-ffffffffffff'];
      expect(await read('uuid[]', uuidArray(ids))).toEqual(ids);
    });

    it('int8[] and int4[], NULLs included', async () => {
      const big = [0, -1, 2 ** 53 - 1, -(2 ** 53 - 1), 4_294_967_296, null];
      expect(await read('int8[]', int8Array(big))).toEqual(big.map((v) => (v === null ? null : String(v))));
      const small = [2_147_483_647, -2_147_483_648, null, 0];
      expect(await read('int4[]', int4Array(small))).toEqual(
        small.map((v) => (v === null ? null : String(v))),
      );
    });

    it('timestamptz[] to the millisecond, before and after 2000', async () => {
      const times = ['1970-01-01T00:00:00.000Z', '1999-12-31T23:59:59.999Z', '2026-11-23T04:05:06.789Z'];
      const { rows } = await client.query(
        `SELECT to_char(v AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS v FROM unnest($1::timestamptz[]) AS v`,
        [timestamptzArray(times.map((t) => Date.parse(t)))],
      );
      expect(rows.map((r) => r.v)).toEqual(times);
    });

    it('text[] and jsonb[] of any text', async () => {
      const texts = ['', 'a"b\\c', '{x,y}', 'NULL', 'é 😀 \u2028', null];
      expect(await read('text[]', textArray(texts))).toEqual(texts);
      const json = ['{}', '{"a":[1,"x\\"y"],"é":null}'];
      expect((await read('jsonb[]', jsonbArray(json))).map((j) => JSON.parse(j!) as unknown)).toEqual(
        json.map((j) => JSON.parse(j) as unknown),
      );
    });
  });
});
