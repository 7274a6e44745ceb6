import { describe, expect, it } from 'vitest';
import { useFlushedServer } from './helpers.js';

describe('generic keyspace commands', () => {
  const t = useFlushedServer();

  it('DEL, UNLINK, EXISTS, TYPE, TOUCH', async () => {
    await t.redis.mset('a', '1', 'b', '2');
    await t.redis.rpush('l', 'x');
    expect(await t.redis.exists('a', 'a', 'nope')).toBe(2);
    expect(await t.redis.type('a')).toBe('string');
    expect(await t.redis.type('l')).toBe('list');
    expect(await t.redis.type('nope')).toBe('none');
    expect(await t.redis.touch('a', 'b', 'c')).toBe(2);
    expect(await t.redis.del('a', 'nope')).toBe(1);
    expect(await t.redis.unlink('b')).toBe(1);
  });

  it('RENAME, RENAMENX, COPY, MOVE keep values and TTLs', async () => {
    await t.redis.set('a', '1', 'EX', 100);
    await t.redis.rename('a', 'b');
    expect(await t.redis.get('b')).toBe('1');
    expect(await t.redis.ttl('b')).toBeGreaterThan(90);
    await expect(t.redis.rename('nope', 'x')).rejects.toThrow('ERR no such key');
    await t.redis.set('c', '3');
    expect(await t.redis.renamenx('b', 'c')).toBe(0);
    await t.redis.sadd('s', 'm1', 'm2');
    expect(await t.redis.copy('s', 's2')).toBe(1);
    await t.redis.sadd('s2', 'm3');
    expect(await t.redis.scard('s')).toBe(2);
    expect(await t.redis.copy('s', 's2')).toBe(0);
    expect(await t.redis.copy('s', 's2', 'REPLACE')).toBe(1);
    expect(await t.redis.scard('s2')).toBe(2);
    expect(await t.redis.move('c', 3)).toBe(1);
    await t.redis.select(3);
    expect(await t.redis.get('c')).toBe('3');
    await t.redis.select(0);
  });

  it('KEYS and SCAN with MATCH, COUNT, TYPE visit every key exactly as expected', async () => {
    const keys: string[] = [];
    for (let i = 0; i < 1200; i++) keys.push(`user:${i}`, String(i));
    await t.redis.mset(...keys);
    await t.redis.rpush('user:list', 'x');
    expect((await t.redis.keys('user:1?')).sort()).toEqual(
      Array.from({ length: 10 }, (_, i) => `user:1${i}`).sort(),
    );
    const seen = new Set<string>();
    let cursor = '0';
    let rounds = 0;
    do {
      const [next, batch] = await t.redis.scan(cursor, 'MATCH', 'user:*', 'COUNT', 100);
      for (const key of batch) seen.add(key);
      // Deleting keys during the scan must not make it miss keys that stay.
      if (rounds === 2) await t.redis.del('user:0', 'user:1', 'user:2');
      cursor = next;
      rounds++;
    } while (cursor !== '0');
    for (let i = 3; i < 1200; i++) expect(seen.has(`user:${i}`)).toBe(true);
    expect(seen.has('user:list')).toBe(true);
    const [, lists] = (await t.redis.call('SCAN', '0', 'TYPE', 'list', 'COUNT', '10000')) as [
      string,
      string[],
    ];
    expect(lists).toEqual(['user:list']);
  });

  it('RANDOMKEY, DBSIZE, SELECT, SWAPDB, FLUSHDB', async () => {
    expect(await t.redis.randomkey()).toBeNull();
    await t.redis.set('only', 'x');
    expect(await t.redis.randomkey()).toBe('only');
    await t.redis.swapdb(0, 1);
    expect(await t.redis.dbsize()).toBe(0);
    await t.redis.select(1);
    expect(await t.redis.get('only')).toBe('x');
    await expect(t.redis.select(16)).rejects.toThrow('ERR DB index is out of range');
    await t.redis.flushdb();
    expect(await t.redis.dbsize()).toBe(0);
    await t.redis.select(0);
  });

  it('OBJECT ENCODING', async () => {
    await t.redis.set('int', '123');
    await t.redis.set('str', 'hello');
    expect(await t.redis.object('ENCODING', 'int')).toBe('int');
    expect(await t.redis.object('ENCODING', 'str')).toBe('embstr');
    expect(await t.redis.object('ENCODING', 'missing')).toBeNull();
  });
});

describe('shared field names', () => {
  const t = useFlushedServer();

  it('hash fields and stream entries read back as written past the name table bound', async () => {
    // More distinct short names than the table holds (it empties itself), plus long ones it skips.
    const names = Array.from({ length: 5000 }, (_, i) => `f${i}`);
    const long = 'a-field-name-longer-than-twelve';
    await t.redis.hset('h', Object.fromEntries([...names.map((n) => [n, n.toUpperCase()]), [long, 'v']]));
    await t.redis.hset('h', 'f1', 'again');
    expect(await t.redis.hlen('h')).toBe(5001);
    expect(await t.redis.hmget('h', 'f0', 'f1', 'f4999', long)).toEqual(['F0', 'again', 'F4999', 'v']);
    const id = await t.redis.xadd('s', '*', 'event', 'added', 'f4999', 'x', long, 'y');
    expect(await t.redis.xrange('s', '-', '+')).toEqual([[id, ['event', 'added', 'f4999', 'x', long, 'y']]]);
  });
});
