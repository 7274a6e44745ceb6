import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness, useFlushedServer } from './helpers.js';

describe('data types', () => {
  const t = useFlushedServer();

  it('lists: push/pop/range/index/set/insert/rem/trim/pos/move/mpop', async () => {
    expect(await t.redis.rpush('l', 'a', 'b', 'c')).toBe(3);
    expect(await t.redis.lpush('l', 'z')).toBe(4);
    expect(await t.redis.lrange('l', 0, -1)).toEqual(['z', 'a', 'b', 'c']);
    expect(await t.redis.lindex('l', -1)).toBe('c');
    await t.redis.lset('l', 1, 'A');
    await expect(t.redis.lset('l', 10, 'x')).rejects.toThrow('ERR index out of range');
    expect(await t.redis.linsert('l', 'BEFORE', 'b', 'x')).toBe(5);
    expect(await t.redis.lrange('l', 0, -1)).toEqual(['z', 'A', 'x', 'b', 'c']);
    await t.redis.rpush('l', 'x', 'x');
    expect(await t.redis.lrem('l', -1, 'x')).toBe(1);
    expect(await t.redis.lpos('l', 'x', 'COUNT', 0)).toEqual([2, 5]);
    await t.redis.ltrim('l', 1, -2);
    expect(await t.redis.lrange('l', 0, -1)).toEqual(['A', 'x', 'b', 'c']);
    expect(await t.redis.lpop('l', 2)).toEqual(['A', 'x']);
    expect(await t.redis.lmove('l', 'l2', 'RIGHT', 'LEFT')).toBe('c');
    expect(await t.redis.rpoplpush('l', 'l2')).toBe('b');
    expect(await t.redis.exists('l')).toBe(0);
    expect(await t.redis.lpushx('l', 'x')).toBe(0);
    expect(await t.redis.call('lmpop', 2, 'l', 'l2', 'LEFT', 'COUNT', 5)).toEqual(['l2', ['b', 'c']]);
    await t.redis.set('s', 'v');
    await expect(t.redis.lpush('s', 'x')).rejects.toThrow(
      'WRONGTYPE Operation against a key holding the wrong kind of value',
    );
  });

  it('LREM removes from either end, near the head or the tail of a wrapped list', async () => {
    // Built from both ends so the ring buffer wraps; the in-place path (|count| <= 8) moves the
    // shorter side, the rebuild path (count 0 or larger counts) copies.
    const model: string[] = [];
    for (let i = 0; i < 40; i++) {
      const value = i % 3 === 0 ? 'x' : `v${i}`;
      if (i % 2 === 0) {
        await t.redis.lpush('w', value);
        model.unshift(value);
      } else {
        await t.redis.rpush('w', value);
        model.push(value);
      }
    }
    const lrem = (count: number, element: string) => {
      let removed = 0;
      const limit = count === 0 ? Number.POSITIVE_INFINITY : Math.abs(count);
      const order = [...model.keys()];
      if (count < 0) order.reverse();
      const drop = new Set<number>();
      for (const i of order) if (model[i] === element && removed < limit && drop.add(i)) removed++;
      const kept = model.filter((_, i) => !drop.has(i));
      model.length = 0;
      model.push(...kept);
      return removed;
    };
    for (const [count, element] of [
      [2, 'x'],
      [-3, 'x'],
      [1, 'v39'],
      [-1, 'v1'],
      [-1, 'missing'],
      [9, 'x'],
      [0, 'x'],
    ] as const) {
      expect(await t.redis.lrem('w', count, element)).toBe(lrem(count, element));
      expect(await t.redis.lrange('w', 0, -1)).toEqual(model);
    }
  });

  it('hashes', async () => {
    expect(await t.redis.hset('h', 'a', '1', 'b', '2')).toBe(2);
    expect(await t.redis.hset('h', 'a', '10')).toBe(0);
    expect(await t.redis.hget('h', 'a')).toBe('10');
    expect(await t.redis.hmget('h', 'a', 'zz')).toEqual(['10', null]);
    expect(await t.redis.hgetall('h')).toEqual({ a: '10', b: '2' });
    expect(await t.redis.hsetnx('h', 'a', 'x')).toBe(0);
    expect(await t.redis.hincrby('h', 'a', 5)).toBe(15);
    expect(await t.redis.hincrbyfloat('h', 'b', '0.5')).toBe('2.5');
    await expect(t.redis.hincrby('h', 'b', 1)).rejects.toThrow('ERR hash value is not an integer');
    // Past 2^53 the sum is exact (the reply is read back as the stored text: ioredis parses numbers).
    await t.redis.hset('n', 'safe', '9007199254740992');
    await t.redis.hincrby('n', 'safe', 1);
    expect(await t.redis.hget('n', 'safe')).toBe('9007199254740993');
    await t.redis.call('hincrby', 'n', 'max', '9223372036854775807');
    expect(await t.redis.hget('n', 'max')).toBe('9223372036854775807');
    await expect(t.redis.hincrby('n', 'max', 1)).rejects.toThrow('ERR increment or decrement would overflow');
    await t.redis.hincrby('n', 'neg', -5);
    expect(await t.redis.hget('n', 'neg')).toBe('-5');
    expect(await t.redis.hlen('h')).toBe(2);
    expect(await t.redis.hstrlen('h', 'a')).toBe(2);
    expect((await t.redis.hkeys('h')).sort()).toEqual(['a', 'b']);
    expect(await t.redis.hexists('h', 'b')).toBe(1);
    expect((await t.redis.hrandfield('h', -5)) as string[]).toHaveLength(5);
    expect(await t.redis.hdel('h', 'a', 'b', 'c')).toBe(2);
    expect(await t.redis.exists('h')).toBe(0);
    await t.redis.hset('big', ...Array.from({ length: 1000 }, (_, i) => [`f${i}`, String(i)]).flat());
    const seen = new Set<string>();
    let cursor = '0';
    do {
      const [next, batch] = await t.redis.hscan('big', cursor, 'COUNT', 100);
      for (let i = 0; i < batch.length; i += 2) seen.add(batch[i]!);
      cursor = next;
    } while (cursor !== '0');
    expect(seen.size).toBe(1000);
  });

  it('sets', async () => {
    expect(await t.redis.sadd('a', '1', '2', '3', '3')).toBe(3);
    await t.redis.sadd('b', '2', '3', '4');
    expect((await t.redis.sinter('a', 'b')).sort()).toEqual(['2', '3']);
    expect((await t.redis.sunion('a', 'b')).sort()).toEqual(['1', '2', '3', '4']);
    expect(await t.redis.sdiff('a', 'b')).toEqual(['1']);
    expect(await t.redis.sinterstore('dst', 'a', 'b')).toBe(2);
    expect(await t.redis.call('sintercard', 2, 'a', 'b', 'LIMIT', 1)).toBe(1);
    expect(await t.redis.smismember('a', '1', '9')).toEqual([1, 0]);
    expect(await t.redis.smove('a', 'b', '1')).toBe(1);
    expect(await t.redis.scard('b')).toBe(4);
    const popped = await t.redis.spop('b', 2);
    expect(popped).toHaveLength(2);
    expect(await t.redis.scard('b')).toBe(2);
    expect(await t.redis.srem('b', ...(await t.redis.smembers('b')))).toBe(2);
    expect(await t.redis.exists('b')).toBe(0);
    expect(await t.redis.srandmember('a', -3)).toHaveLength(3);
  });

  it('sorted sets: ZADD flags, ranges, ranks, pops, algebra', async () => {
    expect(await t.redis.zadd('z', 1, 'a', 2, 'b', 3, 'c')).toBe(3);
    expect(await t.redis.zadd('z', 'NX', 10, 'a', 4, 'd')).toBe(1);
    expect(await t.redis.zadd('z', 'XX', 'CH', 5, 'a', 9, 'new')).toBe(1);
    expect(await t.redis.zadd('z', 'GT', 'CH', 1, 'a')).toBe(0);
    expect(await t.redis.zadd('z', 'INCR', 2, 'a')).toBe('7');
    await expect(t.redis.zadd('z', 'NX', 'XX', 1, 'a')).rejects.toThrow(
      'ERR XX and NX options at the same time are not compatible',
    );
    expect(await t.redis.zrange('z', 0, -1, 'WITHSCORES')).toEqual(['b', '2', 'c', '3', 'd', '4', 'a', '7']);
    expect(await t.redis.zrange('z', '(2', '+inf', 'BYSCORE', 'LIMIT', 1, 2)).toEqual(['d', 'a']);
    expect(await t.redis.zrange('z', '+inf', '-inf', 'BYSCORE', 'REV')).toEqual(['a', 'd', 'c', 'b']);
    expect(await t.redis.zrevrangebyscore('z', 4, 2)).toEqual(['d', 'c', 'b']);
    expect(await t.redis.zrank('z', 'd')).toBe(2);
    expect(await t.redis.zrevrank('z', 'd')).toBe(1);
    expect(await t.redis.zcount('z', '(2', 4)).toBe(2);
    expect(await t.redis.zscore('z', 'a')).toBe('7');
    expect(await t.redis.zincrby('z', 0.5, 'b')).toBe('2.5');
    expect(await t.redis.zpopmin('z')).toEqual(['b', '2.5']);
    expect(await t.redis.zpopmax('z', 2)).toEqual(['a', '7', 'd', '4']);
    await t.redis.zadd('lex', 0, 'a', 0, 'b', 0, 'c', 0, 'd');
    expect(await t.redis.zrangebylex('lex', '[b', '(d')).toEqual(['b', 'c']);
    expect(await t.redis.zlexcount('lex', '-', '+')).toBe(4);
    expect(await t.redis.zremrangebylex('lex', '-', '[b')).toBe(2);
    await t.redis.zadd('z1', 1, 'x', 2, 'y');
    await t.redis.zadd('z2', 10, 'y', 20, 'z');
    expect(await t.redis.zunionstore('u', 2, 'z1', 'z2', 'WEIGHTS', 1, 2)).toBe(3);
    expect(await t.redis.zrange('u', 0, -1, 'WITHSCORES')).toEqual(['x', '1', 'y', '22', 'z', '40']);
    expect(await t.redis.zinterstore('i', 2, 'z1', 'z2', 'AGGREGATE', 'MAX')).toBe(1);
    expect(await t.redis.zscore('i', 'y')).toBe('10');
    expect(await t.redis.call('zdiff', 2, 'z1', 'z2')).toEqual(['x']);
    expect(await t.redis.zremrangebyrank('u', 0, 0)).toBe(1);
    expect(await t.redis.zremrangebyscore('u', '-inf', 30)).toBe(1);
    expect(await t.redis.zcard('u')).toBe(1);
  });

  it('sorted sets keep O(log n) rank correct across many updates', async () => {
    const n = 2000;
    const args: (string | number)[] = [];
    for (let i = 0; i < n; i++) args.push((i * 7919) % n, `m${i}`);
    await t.redis.zadd('big', ...args);
    for (let i = 0; i < 200; i++) await t.redis.zadd('big', n + i, `m${i}`);
    const all = await t.redis.zrange('big', 0, -1, 'WITHSCORES');
    const scores = all.filter((_, i) => i % 2 === 1).map(Number);
    expect([...scores].sort((a, b) => a - b)).toEqual(scores);
    for (const probe of [0, 1, 500, 1999]) {
      const member = all[probe * 2]!;
      expect(await t.redis.zrank('big', member)).toBe(probe);
    }
  });
});

describe('blocking commands', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it('BLPOP waits for a push and serves clients in arrival order', async () => {
    const a = h.client();
    const b = h.client();
    const pusher = h.client();
    const first = a.blpop('q', 0);
    await new Promise((r) => setTimeout(r, 30));
    const second = b.blpop('q', 0);
    await new Promise((r) => setTimeout(r, 30));
    expect(await pusher.info('clients')).toContain('blocked_clients:2');
    await pusher.rpush('q', '1', '2');
    expect(await first).toEqual(['q', '1']);
    expect(await second).toEqual(['q', '2']);
    expect(await pusher.exists('q')).toBe(0);
  });

  it('fractional timeouts return null after roughly that long', async () => {
    const a = h.client();
    const started = Date.now();
    expect(await a.brpop('nothing', 0.2)).toBeNull();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(180);
    expect(waited).toBeLessThan(2000);
    await expect(a.blpop('x', -1)).rejects.toThrow('ERR timeout is negative');
    await expect(a.blpop('x', 'abc')).rejects.toThrow('ERR timeout is not a float or out of range');
  });

  it('BLMOVE, BZPOPMIN and BLMPOP wake up on the right type', async () => {
    const a = h.client();
    const b = h.client();
    const writer = h.client();
    const moved = a.blmove('src', 'dst', 'LEFT', 'RIGHT', 0);
    const popped = b.bzpopmin('zq', 0);
    await new Promise((r) => setTimeout(r, 30));
    await writer.rpush('src', 'item');
    await writer.zadd('zq', 3, 'three', 1, 'one');
    expect(await moved).toBe('item');
    expect(await writer.lrange('dst', 0, -1)).toEqual(['item']);
    expect(await popped).toEqual(['zq', 'one', '1']);
    const mpop = a.call('blmpop', 0, 2, 'm1', 'm2', 'RIGHT', 'COUNT', 2);
    await new Promise((r) => setTimeout(r, 30));
    await writer.rpush('m2', 'a', 'b', 'c');
    expect(await mpop).toEqual(['m2', ['c', 'b']]);
  });

  it('inside MULTI a blocking pop does not block', async () => {
    const a = h.client();
    const result = await a.multi().blpop('empty', 0).exec();
    expect(result).toEqual([[null, null]]);
  });

  it('CLIENT UNBLOCK ends a block with a timeout reply or an error', async () => {
    const a = h.client();
    const admin = h.client();
    const id = await a.client('ID');
    const waiting = a.blpop('never', 0);
    await new Promise((r) => setTimeout(r, 30));
    expect(await admin.client('UNBLOCK', id)).toBe(1);
    expect(await waiting).toBeNull();
    const failing = a.blpop('never', 0);
    await new Promise((r) => setTimeout(r, 30));
    await admin.client('UNBLOCK', id, 'ERROR');
    await expect(failing).rejects.toThrow('UNBLOCKED');
  });
});
