import { ManualClock } from '@parley/kit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, useFlushedServer } from './helpers.js';

describe('strings', () => {
  const t = useFlushedServer();

  it('SET options NX XX GET KEEPTTL', async () => {
    expect(await t.redis.set('k', 'a', 'NX')).toBe('OK');
    expect(await t.redis.set('k', 'b', 'NX')).toBeNull();
    expect(await t.redis.set('missing', 'b', 'XX')).toBeNull();
    expect(await t.redis.set('k', 'c', 'GET')).toBe('a');
    await t.redis.pexpire('k', 100_000);
    await t.redis.set('k', 'd', 'KEEPTTL');
    expect(await t.redis.pttl('k')).toBeGreaterThan(90_000);
    await t.redis.set('k', 'e');
    expect(await t.redis.pttl('k')).toBe(-1);
    await expect(t.redis.call('SET', 'k', 'v', 'NX', 'XX')).rejects.toThrow('ERR syntax error');
    await expect(t.redis.set('k', 'v', 'EX', 0)).rejects.toThrow("ERR invalid expire time in 'set' command");
    await t.redis.hset('h', 'f', 'v');
    await expect(t.redis.set('h', 'v', 'GET')).rejects.toThrow('WRONGTYPE');
  });

  it('counters: INCR family, overflow and float', async () => {
    expect(await t.redis.incr('n')).toBe(1);
    expect(await t.redis.incrby('n', 10)).toBe(11);
    expect(await t.redis.decrby('n', 20)).toBe(-9);
    expect(await t.redis.decr('n')).toBe(-10);
    await t.redis.set('big', '9223372036854775806');
    await t.redis.incr('big');
    expect(await t.redis.get('big')).toBe('9223372036854775807');
    await expect(t.redis.incr('big')).rejects.toThrow('ERR increment or decrement would overflow');
    await expect(t.redis.decrby('n', '-9223372036854775808')).rejects.toThrow('ERR decrement would overflow');
    await t.redis.set('s', 'abc');
    await expect(t.redis.incr('s')).rejects.toThrow('ERR value is not an integer or out of range');
    await t.redis.set('f', '10.5');
    expect(await t.redis.incrbyfloat('f', '0.1')).toBe('10.6');
    expect(await t.redis.incrbyfloat('f', '-5')).toBe('5.6');
    await expect(t.redis.incrbyfloat('s', '1')).rejects.toThrow('ERR value is not a valid float');
  });

  it('MSET, MGET, MSETNX, GETSET, GETDEL, GETEX', async () => {
    expect(await t.redis.mset('a', '1', 'b', '2')).toBe('OK');
    expect(await t.redis.mget('a', 'b', 'c')).toEqual(['1', '2', null]);
    expect(await t.redis.msetnx('c', '3', 'a', 'x')).toBe(0);
    expect(await t.redis.msetnx('c', '3', 'd', '4')).toBe(1);
    await expect(t.redis.call('mset', 'a', '1', 'b')).rejects.toThrow(
      "ERR wrong number of arguments for 'mset' command",
    );
    expect(await t.redis.getset('a', 'new')).toBe('1');
    expect(await t.redis.getdel('a')).toBe('new');
    expect(await t.redis.exists('a')).toBe(0);
    expect(await t.redis.getex('b', 'EX', 100)).toBe('2');
    expect(await t.redis.ttl('b')).toBe(100);
    expect(await t.redis.getex('b', 'PERSIST')).toBe('2');
    expect(await t.redis.ttl('b')).toBe(-1);
  });

  it('APPEND, STRLEN, GETRANGE, SETRANGE, LCS', async () => {
    expect(await t.redis.append('s', 'Hello')).toBe(5);
    expect(await t.redis.append('s', ' World')).toBe(11);
    expect(await t.redis.strlen('s')).toBe(11);
    expect(await t.redis.getrange('s', 0, 4)).toBe('Hello');
    expect(await t.redis.getrange('s', -5, -1)).toBe('World');
    expect(await t.redis.getrange('s', 5, 1)).toBe('');
    expect(await t.redis.setrange('pad', 3, 'x')).toBe(4);
    expect(await t.redis.getBuffer('pad')).toEqual(Buffer.from([0, 0, 0, 120]));
    expect(await t.redis.setrange('s', 6, 'Redis')).toBe(11);
    expect(await t.redis.get('s')).toBe('Hello Redis');
    await t.redis.mset('key1', 'ohmytext', 'key2', 'mynewtext');
    expect(await t.redis.call('lcs', 'key1', 'key2')).toBe('mytext');
    expect(await t.redis.call('lcs', 'key1', 'key2', 'LEN')).toBe(6);
    expect(await t.redis.call('lcs', 'key1', 'key2', 'IDX', 'MINMATCHLEN', '4', 'WITHMATCHLEN')).toEqual([
      'matches',
      [[[4, 7], [5, 8], 4]],
      'len',
      6,
    ]);
    await t.redis.config('SET', 'proto-max-bulk-len', '1mb');
    try {
      await t.redis.mset('long1', 'a'.repeat(1000), 'long2', 'b'.repeat(1000));
      await expect(t.redis.call('lcs', 'long1', 'long2')).rejects.toThrow(
        'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len',
      );
    } finally {
      await t.redis.config('SET', 'proto-max-bulk-len', '512mb');
    }
  });

  it('replies with the exact arity error', async () => {
    await expect(t.redis.call('get')).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    await expect(t.redis.call('get', 'a', 'b')).rejects.toThrow(
      "ERR wrong number of arguments for 'get' command",
    );
    await expect(t.redis.call('nosuch', 'x')).rejects.toThrow(
      "ERR unknown command 'nosuch', with args beginning with: 'x' ",
    );
  });
});

describe('expiry with a manual clock', () => {
  const clock = new ManualClock(1_700_000_000_000);
  let h: Harness;
  let redis: Redis;
  beforeAll(async () => {
    h = await startHarness({ clock });
    redis = h.client();
  });
  afterAll(() => h.stop());

  it('expires lazily on access and reports TTL/PTTL/EXPIRETIME', async () => {
    await redis.set('k', 'v', 'PX', 1500);
    expect(await redis.pttl('k')).toBe(1500);
    expect(await redis.ttl('k')).toBe(2);
    expect(await redis.call('pexpiretime', 'k')).toBe(clock.now() + 1500);
    clock.advance(1499);
    expect(await redis.get('k')).toBe('v');
    clock.advance(1);
    expect(await redis.get('k')).toBeNull();
    expect(await redis.ttl('k')).toBe(-2);
  });

  it('EXPIRE NX XX GT LT, PERSIST, and a past time deletes', async () => {
    await redis.set('k', 'v');
    expect(await redis.expire('k', 100, 'XX')).toBe(0);
    expect(await redis.expire('k', 100, 'NX')).toBe(1);
    expect(await redis.expire('k', 50, 'GT')).toBe(0);
    expect(await redis.expire('k', 200, 'GT')).toBe(1);
    expect(await redis.expire('k', 10, 'LT')).toBe(1);
    expect(await redis.ttl('k')).toBe(10);
    expect(await redis.persist('k')).toBe(1);
    expect(await redis.ttl('k')).toBe(-1);
    expect(await redis.expireat('k', Math.floor(clock.now() / 1000) - 1)).toBe(1);
    expect(await redis.exists('k')).toBe(0);
  });

  it('removes expired keys actively, without access', async () => {
    for (let i = 0; i < 200; i++) await redis.set(`tmp:${i}`, 'v', 'PX', 10);
    await redis.set('keep', 'v');
    clock.advance(20);
    await new Promise((r) => setTimeout(r, 400));
    expect(await redis.dbsize()).toBe(1);
  });
});
