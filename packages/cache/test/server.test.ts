import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, rawExchange, resp, startHarness } from './helpers.js';

describe('connection and server commands', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it('PING, ECHO, TIME, DBSIZE, INFO fields clients read', async () => {
    const redis = h.client();
    expect(await redis.ping()).toBe('PONG');
    expect(await redis.echo('hi')).toBe('hi');
    const [seconds, micros] = await redis.time();
    expect(Math.abs(Number(seconds) - Date.now() / 1000)).toBeLessThan(5);
    expect(Number(micros)).toBeLessThan(1e6);
    const info = await redis.info();
    for (const field of [
      'redis_version:7.',
      'used_memory:',
      'maxmemory_policy:noeviction',
      'connected_clients:',
      'blocked_clients:0',
      'loading:0',
    ])
      expect(info).toContain(field);
    await redis.set('x', '1');
    expect(await redis.info('keyspace')).toContain('db0:keys=1,expires=0');
  });

  it('HELLO 3 switches to RESP3 maps; HELLO 4 is refused', async () => {
    const { reply } = await rawExchange(
      h.server.port,
      Buffer.concat([resp('HELLO', '3'), resp('CONFIG', 'GET', 'maxmemory'), resp('HELLO', '4')]),
    );
    expect(reply).toMatch(/^%7\r\n\$6\r\nserver\r\n\$5\r\nredis\r\n/);
    expect(reply).toContain('%1\r\n$9\r\nmaxmemory\r\n$1\r\n0\r\n');
    expect(reply).toContain('-NOPROTO unsupported protocol version\r\n');
  });

  it('ioredis works in RESP3 mode? CLIENT SETNAME/GETNAME/ID/LIST/INFO/KILL', async () => {
    const a = h.client({ connectionName: 'alpha' });
    const b = h.client();
    expect(await a.client('GETNAME')).toBe('alpha');
    const id = await a.client('ID');
    const list = (await b.client('LIST')) as string;
    expect(list).toContain(`id=${id} `);
    expect(list).toContain('name=alpha');
    expect(await a.client('INFO')).toContain(`id=${id} `);
    await expect(a.client('SETNAME', 'has space')).rejects.toThrow(
      'ERR Client names cannot contain spaces, newlines or special characters.',
    );
    expect(await b.client('KILL', 'ID', String(id))).toBe(1);
    await new Promise((r) => setTimeout(r, 50));
    expect((await b.client('LIST')) as string).not.toContain('name=alpha');
  });

  it('CONFIG GET/SET with globs, validation and accepted tuning knobs', async () => {
    const redis = h.client();
    expect(await redis.config('SET', 'maxmemory', '10mb')).toBe('OK');
    expect(await redis.config('GET', 'maxmemory')).toEqual(['maxmemory', String(10 * 1024 * 1024)]);
    await redis.config('SET', 'maxmemory', '0');
    await redis.config('SET', 'hash-max-listpack-entries', '256');
    expect(await redis.config('GET', 'hash-max-listpack-entries')).toEqual([
      'hash-max-listpack-entries',
      '256',
    ]);
    await expect(redis.config('SET', 'no-such-thing', '1')).rejects.toThrow(
      "ERR Unknown option or number of arguments for CONFIG SET - 'no-such-thing'",
    );
    await expect(redis.config('SET', 'maxmemory-policy', 'bogus')).rejects.toThrow('CONFIG SET failed');
    const all = (await redis.config('GET', '*')) as string[];
    expect(all.length).toBeGreaterThan(40);
  });

  it('COMMAND COUNT/INFO/GETKEYS derive from the table', async () => {
    const redis = h.client();
    expect(Number(await redis.command('COUNT'))).toBeGreaterThan(40);
    const [get] = (await redis.command('INFO', 'get')) as unknown[][];
    expect(get!.slice(0, 6)).toEqual(['get', 2, ['readonly', 'fast'], 1, 1, 1]);
    expect(await redis.call('COMMAND', 'GETKEYS', 'MSET', 'a', '1', 'b', '2')).toEqual(['a', 'b']);
  });

  it('requirepass: NOAUTH until AUTH, WRONGPASS on a bad password', async () => {
    const secured = await startHarness({ requirepass: 's3cret' });
    try {
      const { reply } = await rawExchange(
        secured.server.port,
        Buffer.concat([resp('GET', 'a'), resp('AUTH', 'nope'), resp('AUTH', 's3cret'), resp('PING')]),
      );
      expect(reply).toBe(
        '-NOAUTH Authentication required.\r\n-WRONGPASS invalid username-password pair or user is disabled.\r\n+OK\r\n+PONG\r\n',
      );
      const redis = secured.client({ password: 's3cret' });
      expect(await redis.ping()).toBe('PONG');
    } finally {
      await secured.stop();
    }
  });

  it('before AUTH only small requests are accepted; query buffers are bounded', async () => {
    const secured = await startHarness({ requirepass: 'pw' });
    try {
      const many = await rawExchange(
        secured.server.port,
        resp('SET', ...Array.from({ length: 20 }, (_, i) => `a${i}`)),
      );
      expect(many.reply).toBe('-ERR Protocol error: unauthenticated multibulk length\r\n');
      expect(many.closed).toBe(true);
      const big = await rawExchange(secured.server.port, '*2\r\n$4\r\nAUTH\r\n$100000\r\n');
      expect(big.reply).toBe('-ERR Protocol error: unauthenticated bulk length\r\n');
    } finally {
      await secured.stop();
    }
    const redis = h.client();
    await redis.config('SET', 'client-query-buffer-limit', '1mb');
    try {
      const flood = await rawExchange(
        h.server.port,
        Buffer.concat([Buffer.from('*2\r\n$4\r\nECHO\r\n$5000000\r\n'), Buffer.alloc(2_000_000, 'x')]),
      );
      expect(flood.closed).toBe(true);
      expect(await redis.ping()).toBe('PONG');
    } finally {
      await redis.config('SET', 'client-query-buffer-limit', '1gb');
    }
  });

  it('QUIT replies OK and closes', async () => {
    const { reply, closed } = await rawExchange(h.server.port, Buffer.concat([resp('QUIT'), resp('PING')]));
    expect(reply).toBe('+OK\r\n');
    expect(closed).toBe(true);
  });
});
