import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, rawExchange, resp, startHarness } from './helpers.js';

function nextMessage(redis: import('ioredis').Redis, event: 'message' | 'pmessage' = 'message') {
  return new Promise<string[]>((resolve) => {
    redis.once(event, (...args: string[]) => resolve(args));
  });
}

describe('pub/sub', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it('delivers to channel and pattern subscribers and counts receivers', async () => {
    const sub = h.client();
    const psub = h.client();
    const pub = h.client();
    await sub.subscribe('news');
    await psub.psubscribe('n*');
    const message = nextMessage(sub);
    const pmessage = nextMessage(psub, 'pmessage');
    expect(await pub.publish('news', 'hello')).toBe(2);
    expect(await message).toEqual(['news', 'hello']);
    expect(await pmessage).toEqual(['n*', 'news', 'hello']);
    expect(await pub.pubsub('CHANNELS')).toEqual(['news']);
    expect(await pub.pubsub('NUMSUB', 'news', 'other')).toEqual(['news', 1, 'other', 0]);
    expect(await pub.pubsub('NUMPAT')).toBe(1);
  });

  it('RESP2 subscribers may only run pub/sub commands; RESP3 gets push frames', async () => {
    const two = await rawExchange(
      h.server.port,
      Buffer.concat([resp('SUBSCRIBE', 'c'), resp('GET', 'k'), resp('PING')]),
    );
    expect(two.reply).toBe(
      "*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n*2\r\n$4\r\npong\r\n$0\r\n\r\n",
    );
    const three = await rawExchange(
      h.server.port,
      Buffer.concat([resp('HELLO', '3'), resp('SUBSCRIBE', 'c'), resp('SET', 'k', 'v')]),
    );
    expect(three.reply).toContain('>3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n+OK\r\n');
  });

  it('keyspace notifications follow notify-keyspace-events', async () => {
    const admin = h.client();
    const sub = h.client();
    await admin.config('SET', 'notify-keyspace-events', 'KEA');
    expect(await admin.config('GET', 'notify-keyspace-events')).toEqual(['notify-keyspace-events', 'AKE']);
    await sub.psubscribe('__key*__:*');
    const received: string[][] = [];
    sub.on('pmessage', (_p: string, channel: string, message: string) => received.push([channel, message]));
    await admin.set('watched', '1');
    await admin.lpush('list', 'x');
    await admin.set('short', '1', 'PX', 1);
    // Emptying an aggregate fires the type's event, then a generic `del`, as Redis does.
    await admin.sadd('members', 'a');
    await admin.srem('members', 'a');
    await admin.zadd('ranking', 1, 'a');
    await admin.zrem('ranking', 'a');
    await admin.hset('fields', 'f', 'v');
    await admin.hdel('fields', 'f');
    await new Promise((r) => setTimeout(r, 300));
    await admin.config('SET', 'notify-keyspace-events', '');
    expect(received).toContainEqual(['__keyspace@0__:watched', 'set']);
    expect(received).toContainEqual(['__keyevent@0__:set', 'watched']);
    expect(received).toContainEqual(['__keyevent@0__:lpush', 'list']);
    expect(received).toContainEqual(['__keyevent@0__:expired', 'short']);
    for (const [key, event] of [
      ['members', 'srem'],
      ['ranking', 'zrem'],
      ['fields', 'hdel'],
    ]) {
      const events = received.filter(([channel]) => channel === `__keyspace@0__:${key}`).map(([, e]) => e);
      expect(events.slice(-2)).toEqual([event, 'del']);
    }
    await expect(admin.config('SET', 'notify-keyspace-events', 'Q')).rejects.toThrow('CONFIG SET failed');
  });
});
