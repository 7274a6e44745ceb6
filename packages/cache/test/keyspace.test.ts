import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.js';

describe('generic keyspace commands', () => {
  let h: Harness;
  let redis: Redis;
  beforeAll(async () => {
    h = await startHarness();
    redis = h.client();
  });
  afterAll(() => h.stop());
  beforeEach(async () => {
    await redis.flushall();
  });

  it('DEL, UNLINK, EXISTS, TYPE, TOUCH', async () => {
    await redis.mset('a', '1', 'b', '2');
    await redis.rpush('l', 'x');
    expect(await redis.exists('a', 'a', 'nope')).toBe(2);
    expect(await redis.type('a')).toBe('string');
    expect(await redis.type('l')).toBe('list');
    expect(await redis.type('nope')).toBe('none');
    expect(await redis.touch('a', 'b', 'c')).toBe(2);
    expect(await redis.del('a', 'nope')).toBe(1);
    expect(await redis.unlink('b')).toBe(1);
  });

  it('RENAME, RENAMENX, COPY, MOVE keep values and TTLs', async () => {
    await redis.set('a', '1', 'EX', 100);
    await redis.rename('a', 'b');
    expect(await redis.get('b')).toBe('1');
    expect(await redis.ttl('b')).toBeGreaterThan(90);
    await expect(redis.rename('nope', 'x')).rejects.toThrow('ERR no such key');
    await redis.set('c', '3');
    expect(await redis.renamenx('b', 'c')).toBe(0);
    await redis.sadd('s', 'm1', 'm2');
    expect(await redis.copy('s', 's2')).toBe(1);
    await redis.sadd('s2', 'm3');
    expect(await redis.scard('s')).toBe(2);
    expect(await redis.copy('s', 's2')).toBe(0);
    expect(await redis.copy('s', 's2', 'REPLACE')).toBe(1);
    expect(await redis.scard('s2')).toBe(2);
    expect(await redis.move('c', 3)).toBe(1);
    await redis.select(3);
    expect(await redis.get('c')).toBe('3');
    await redis.select(0);
  });

  it('KEYS and SCAN with MATCH, COUNT, TYPE visit every key exactly as expected', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 1200; i++) keys.push(`user:${i}`, String(i));
    await redis.mset(...keys);
    await redis.rpush('user:list', 'x');
    expect((await redis.keys('user:1?')).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `user:1${i}`).sort(),
    );
    const seen = new Set<string>();
    let cursor = '0';
    let rounds = 0;
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', 'user:*', 'COUNT', 100);
      for (const key of batch) seen.add(key);
      // Deleting keys during the scan must not make it miss keys that stay.
      if (rounds === 2) await redis.del('user:0', 'user:1', 'user:2');
      cursor = next;
      rounds++;
    } while (cursor !== '0');
    for (let i = 3; i < 1200; i++) expect(seen.has(`user:${i}`)).toBe(true);
    expect(seen.has('user:list')).toBe(true);
    const [, lists] = (await redis.call('SCAN', '0', 'TYPE', 'list', 'COUNT', '10000')) as [string, string[]];
    expect(lists).toEqual(['user:list']);
  });

  it('RANDOMKEY, DBSIZE, SELECT, SWAPDB, FLUSHDB', async () => {
    expect(await redis.randomkey()).toBeNull();
    await redis.set('only', 'x');
    expect(await redis.randomkey()).toBe('only');
    await redis.swapdb(0, 1);
    expect(await redis.dbsize()).toBe(0);
    await redis.select(1);
    expect(await redis.get('only')).toBe('x');
    await expect(redis.select(16)).rejects.toThrow('ERR DB index is out of range');
    await redis.flushdb();
    expect(await redis.dbsize()).toBe(0);
    await redis.select(0);
  });

  it('OBJECT ENCODING', async () => {
    await redis.set('int', '123');
    await redis.set('str', 'hello');
    expect(await redis.object('ENCODING', 'int')).toBe('int');
    expect(await redis.object('ENCODING', 'str')).toBe('embstr');
    expect(await redis.object('ENCODING', 'missing')).toBeNull();
  });
});
