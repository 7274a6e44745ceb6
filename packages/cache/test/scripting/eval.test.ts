import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, rawExchange, startHarness } from '../helpers.js';

describe('scripting on Parley cache', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.stop();
  });

  it('runs a script atomically: a blocked client only sees the state after it', async () => {
    const redis = h.client();
    const blocked = h.client();
    const popped = blocked.blpop('atomic:list', 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const script = "redis.call('rpush', KEYS[1], 'a', 'b'); return redis.call('lpop', KEYS[1])";
    expect(await redis.eval(script, 1, 'atomic:list')).toBe('a');
    // 'a' was pushed and popped inside the script; the waiting client gets 'b', never 'a'.
    expect(await popped).toEqual(['atomic:list', 'b']);
  });

  it('caches EVAL scripts for EVALSHA and forgets them on SCRIPT FLUSH', async () => {
    const redis = h.client();
    const body = "return redis.call('incrby', KEYS[1], ARGV[1])";
    expect(await redis.eval(body, 1, 'cached:n', 5)).toBe(5);
    const sha = (await redis.script('LOAD', body)) as string;
    expect(await redis.evalsha(sha, 1, 'cached:n', 2)).toBe(7);
    expect(await redis.call('evalsha_ro', sha, 1, 'cached:n', 2).catch((e: Error) => e.message)).toMatch(
      /^ERR Write commands are not allowed from read-only scripts\. script: /,
    );
    expect(await redis.script('FLUSH', 'ASYNC')).toBe('OK');
    await expect(redis.evalsha(sha, 1, 'cached:n', 2)).rejects.toThrow(
      'NOSCRIPT No matching script. Please use EVAL.',
    );
  });

  it('keeps keys, arguments and results binary safe', async () => {
    const redis = h.client();
    const key = Buffer.from([0x6b, 0x00, 0xff, 0x0d, 0x0a]);
    const value = Buffer.from([0x00, 0xc3, 0x28, 0xfe, 0xff]);
    const reply = await redis.callBuffer(
      'EVAL',
      "redis.call('set', KEYS[1], ARGV[1]); return redis.call('get', KEYS[1])",
      '1',
      key,
      value,
    );
    expect(reply).toEqual(value);
    expect(await redis.getBuffer(key)).toEqual(value);
  });

  it('runs inside MULTI/EXEC and marks WATCHed keys as modified', async () => {
    const redis = h.client();
    const other = h.client();
    await redis.watch('watched:key');
    await other.eval("return redis.call('set', KEYS[1], 'changed')", 1, 'watched:key');
    expect(await redis.multi().get('watched:key').exec()).toBeNull();
    const results = await redis
      .multi()
      .eval("return redis.call('incr', KEYS[1])", 1, 'multi:n')
      .incr('multi:n')
      .exec();
    expect(results).toEqual([
      [null, 1],
      [null, 2],
    ]);
  });

  it('returns a huge result and keeps serving', async () => {
    const redis = h.client();
    const reply = (await redis.eval(
      'local t = {} for i = 1, 200000 do t[i] = i end return t',
      0,
    )) as number[];
    expect(reply).toHaveLength(200000);
    expect(reply[199999]).toBe(200000);
    expect(await redis.ping()).toBe('PONG');
  });

  it('hands a multi-megabyte command reply to a script, then keeps serving small ones', async () => {
    const redis = h.client();
    const value = 'v'.repeat(40);
    for (let i = 0; i < 10; i++) await redis.rpush('big:list', ...Array.from({ length: 10000 }, () => value));
    // 100,000 bulks of 40 bytes: about 4.5 MB in the VM's reply encoding, more than the bridge keeps.
    const script =
      "local r = redis.call('lrange', KEYS[1], 0, -1) return {#r, r[100000], redis.call('llen', KEYS[1])}";
    for (let round = 0; round < 2; round++)
      expect(await redis.eval(script, 1, 'big:list')).toEqual([100000, value, 100000]);
    expect(await redis.eval("return redis.call('set', KEYS[1], 'x')", 1, 'big:after')).toBe('OK');
  });

  it('converts replies with redis.setresp(3) and answers RESP3 clients in RESP3', async () => {
    const redis = h.client();
    await redis.hset('resp3:h', 'f', 'v');
    // A RESP2 caller gets a RESP3 map flattened, as Redis does.
    expect(await redis.eval("redis.setresp(3); return redis.call('hgetall', KEYS[1])", 1, 'resp3:h')).toEqual(
      ['f', 'v'],
    );
    const eval3 = (script: string) =>
      `*4\r\n$4\r\nEVAL\r\n$${script.length}\r\n${script}\r\n$1\r\n1\r\n$7\r\nresp3:h\r\n`;
    const { reply } = await rawExchange(
      h.server.port,
      `HELLO 3\r\n${eval3("redis.setresp(3); return redis.call('hgetall', KEYS[1])")}`,
    );
    expect(reply.endsWith('%1\r\n$1\r\nf\r\n$1\r\nv\r\n')).toBe(true);
  });

  it('stops a script that runs past the time limit and keeps serving other clients', async () => {
    const redis = h.client();
    const other = h.client();
    await redis.config('SET', 'busy-reply-threshold', '100');
    try {
      await expect(redis.eval('local i = 0 while true do i = i + 1 end', 0)).rejects.toThrow(
        /^ERR Script killed: it ran longer than the script time limit \(busy-reply-threshold\) script: [0-9a-f]{40}, on @user_script:1\.$/,
      );
      expect(await other.ping()).toBe('PONG');
      expect(await redis.eval('return 1', 0)).toBe(1);
    } finally {
      await redis.config('SET', 'busy-reply-threshold', '5000');
    }
  });

  it('stops a script that fills the Lua heap, restarts the VM and keeps the cached scripts', async () => {
    const redis = h.client();
    const sha = (await redis.script('LOAD', 'return ARGV[1]')) as string;
    await expect(redis.eval('local t = {} for i = 1, 1e7 do t[i] = i end return #t', 0)).rejects.toThrow(
      /^ERR The script ran out of Lua memory/,
    );
    expect(await redis.evalsha(sha, 0, 'still here')).toBe('still here');
    expect(await redis.eval('local t = {} for i = 1, 1e5 do t[i] = i end return #t', 0)).toBe(100000);
    await expect(redis.eval('x = 1', 0)).rejects.toThrow(/Attempt to modify a readonly table/);
  });

  it('lists the scripting commands in COMMAND with their keys', async () => {
    const redis = h.client();
    expect(await redis.call('command', 'getkeys', 'eval', 'return 1', '2', 'a', 'b', 'c')).toEqual([
      'a',
      'b',
    ]);
    const [info] = (await redis.call('command', 'info', 'evalsha')) as [unknown[]];
    expect(info[0]).toBe('evalsha');
    expect(info[1]).toBe(-3);
  });
});

describe('scripts and the AOF', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('replays the effects of scripts after a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-script-aof-'));
    dirs.push(dir);
    let h = await startHarness({ dir, appendonly: true, appendfsync: 'always' });
    let redis = h.client();
    const script =
      "redis.call('select', 2); redis.call('set', KEYS[1], ARGV[1]); redis.call('select', 0); " +
      "redis.call('incrby', KEYS[2], 3); redis.call('hset', KEYS[3], 'time', redis.call('time')[1]); return 'done'";
    expect(await redis.eval(script, 3, 'aof:s', 'aof:n', 'aof:h', 'in-db-2')).toBe('done');
    await redis.eval(script, 3, 'aof:s', 'aof:n', 'aof:h', 'again');
    const time = await redis.hget('aof:h', 'time');
    await h.stop();

    h = await startHarness({ dir, appendonly: true });
    redis = h.client();
    expect(await redis.get('aof:n')).toBe('6');
    expect(await redis.hget('aof:h', 'time')).toBe(time);
    expect(await redis.get('aof:s')).toBeNull();
    await redis.select(2);
    expect(await redis.get('aof:s')).toBe('again');
    await h.stop();
  });
});
