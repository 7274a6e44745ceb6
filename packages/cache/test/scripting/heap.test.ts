import type { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { scriptCacheLimits, sha1hex } from '../../src/scripting/runner.js';
import { luaVm } from '../../src/scripting/vm.js';
import { type Harness, startHarness } from '../helpers.js';

/** INFO field `name` of the server, as a number. */
async function infoNumber(redis: Redis, section: string, name: string): Promise<number> {
  const text = await redis.info(section);
  const line = text.split('\r\n').find((l) => l.startsWith(`${name}:`));
  if (line === undefined) throw new Error(`INFO ${section} has no ${name}`);
  return Number(line.slice(name.length + 1));
}

/**
 * A script of about `bytes` source bytes made of distinct string constants: about 6 bytes of Lua
 * heap per source byte once compiled, the densest shape measured.
 */
function bulkyScript(tag: string, bytes: number): string {
  const items: string[] = [];
  for (let i = 0, size = 0; size < bytes; i++) {
    const item = `'${tag}-${i}'`;
    items.push(item);
    size += item.length + 1;
  }
  return `local t = {${items.join(',')}} return '${tag}'`;
}

describe('the Lua heap and the script cache under bad input', () => {
  let h: Harness;
  let redis: Redis;
  const warnings: unknown[][] = [];
  beforeAll(async () => {
    h = await startHarness({
      logger: { warn: (...args: unknown[]) => warnings.push(args), info: () => {} },
    });
    redis = h.client();
  });
  afterAll(async () => {
    await h.stop();
  });
  beforeEach(async () => {
    await redis.script('FLUSH');
    await redis.flushall();
  });

  it('evicts the least recently used EVAL scripts beyond 500, never SCRIPT LOAD-ed ones', async () => {
    const pinned = (await redis.script('LOAD', "return 'pinned'")) as string;
    const first = (await redis.script('LOAD', 'return 0')) as string;
    expect(await redis.eval('return 0', 0)).toBe(0); // already loaded by SCRIPT LOAD: stays pinned
    const shas: string[] = [];
    for (let i = 1; i <= 600; i++) {
      shas.push(sha1hex(`return ${i}`));
      expect(await redis.eval(`return ${i}`, 0)).toBe(i);
      // Running the first EVAL script keeps it recently used.
      if (i > 1 && i % 100 === 0) expect(await redis.evalsha(shas[0]!, 0)).toBe(1);
    }
    const exists = (await redis.script('EXISTS', pinned, first, ...shas)) as number[];
    expect(exists[0]).toBe(1);
    expect(exists[1]).toBe(1);
    expect(exists[2]).toBe(1); // `return 1`, touched every 100 scripts
    // 600 EVAL scripts, 500 kept: the 100 oldest untouched ones (2..101) went.
    expect(exists.slice(3, 103).every((x) => x === 0)).toBe(true);
    expect(exists.slice(103).every((x) => x === 1)).toBe(true);
    expect(await infoNumber(redis, 'stats', 'evicted_scripts')).toBeGreaterThanOrEqual(100);
    expect(await infoNumber(redis, 'memory', 'number_of_cached_scripts')).toBe(502);
    await expect(redis.evalsha(shas[1]!, 0)).rejects.toThrow('NOSCRIPT No matching script. Please use EVAL.');
    expect(await redis.evalsha(pinned, 0)).toBe('pinned');
  });

  it('refuses SCRIPT LOAD past the source bound with its own error, and keeps serving', async () => {
    const limit = scriptCacheLimits.sourceBytes;
    const size = Math.floor(limit / 5.5);
    const restarts = luaVm.restarts;
    const loaded: string[] = [];
    let refusal: Error | null = null;
    for (let i = 0; i < 10 && refusal === null; i++) {
      try {
        loaded.push((await redis.script('LOAD', bulkyScript(`load${i}`, size))) as string);
      } catch (error) {
        refusal = error as Error;
      }
    }
    expect(loaded.length).toBe(5);
    expect(refusal?.message).toBe(
      `ERR Script cache full: the cached scripts' source would exceed ${limit} bytes (SCRIPT FLUSH empties it)`,
    );
    // One script past the bound by itself is refused the same way.
    await expect(redis.script('LOAD', `return '${'x'.repeat(limit)}'`)).rejects.toThrow(
      /^ERR Script cache full/,
    );
    for (const [i, sha] of loaded.entries()) expect(await redis.evalsha(sha, 0)).toBe(`load${i}`);
    expect(luaVm.restarts).toBe(restarts);
    // EVAL scripts make room for new ones instead of being refused.
    await redis.script('FLUSH');
    for (let i = 0; i < 10; i++) expect(await redis.eval(bulkyScript(`eval${i}`, size), 0)).toBe(`eval${i}`);
    expect(luaVm.restarts).toBe(restarts);
    expect(await redis.script('LOAD', bulkyScript('after', size))).toMatch(/^[0-9a-f]{40}$/);
  });

  it('stops a script that fills the heap: an error, one restart, the other scripts compiled lazily', async () => {
    const other = h.client();
    const small = (await redis.script('LOAD', "return redis.call('incr', KEYS[1])")) as string;
    for (let i = 0; i < 40; i++) await redis.script('LOAD', bulkyScript(`many${i}`, 20_000));
    const restarts = luaVm.restarts;
    const logged = warnings.length;
    for (let round = 0; round < 3; round++) {
      await expect(redis.eval("return string.rep('x', 80 * 1024 * 1024)", 0)).rejects.toThrow(
        /^ERR The script ran out of Lua memory \(64 MB\)/,
      );
      expect(luaVm.restarts).toBe(restarts + round + 1);
      // Only what runs is compiled again: the 40 bulky scripts are not, so no second restart.
      expect(luaVm.compiled).toBeLessThanOrEqual(1);
      expect(await other.ping()).toBe('PONG');
      expect(await other.evalsha(small, 1, 'heap:n')).toBe(round + 1);
      expect(luaVm.restarts).toBe(restarts + round + 1);
    }
    // Said once in the log, with a count, however many times it happened within the minute.
    expect(warnings.length).toBe(logged + 1);
    expect(JSON.stringify(warnings.at(-1))).toMatch(/ran out of Lua memory/);
    expect(await redis.script('EXISTS', small)).toEqual([1]);
    expect(await redis.eval("return 'many0'", 0)).toBe('many0');
  });

  it('returns a huge value that fits, and refuses one that does not without a crash', async () => {
    const restarts = luaVm.restarts;
    const big = (await redis.eval("return string.rep('ab', 4 * 1024 * 1024)", 0)) as string;
    expect(big.length).toBe(8 * 1024 * 1024);
    expect(big.slice(-4)).toBe('abab');
    expect(luaVm.restarts).toBe(restarts);
    await expect(redis.eval('local t = {} for i = 1, 8e6 do t[i] = i end return t', 0)).rejects.toThrow(
      /^ERR The script ran out of Lua memory/,
    );
    expect(luaVm.restarts).toBe(restarts + 1);
    // A reply too big for the VM built from redis.call replies: the same error, no crash.
    await redis.set('heap:big', 'v'.repeat(1024 * 1024));
    await expect(
      redis.eval(
        "local t = {} for i = 1, 200 do t[i] = redis.call('get', KEYS[1]) end return t",
        1,
        'heap:big',
      ),
    ).rejects.toThrow(/^ERR The script ran out of Lua memory/);
    expect(await redis.eval("return redis.call('strlen', KEYS[1])", 1, 'heap:big')).toBe(1024 * 1024);
    await expect(redis.eval('x = 1', 0)).rejects.toThrow(/Attempt to modify a readonly table/);
  });

  it('refuses arguments larger than the heap without a restart, then runs the next script', async () => {
    const restarts = luaVm.restarts;
    await expect(redis.eval('return #ARGV[1]', 0, 'x'.repeat(70 * 1024 * 1024))).rejects.toThrow(
      "ERR The script's keys and arguments do not fit in the Lua VM's memory (64 MB)",
    );
    expect(luaVm.restarts).toBe(restarts);
    expect(await redis.eval('return #ARGV[1]', 0, 'x'.repeat(1024 * 1024))).toBe(1024 * 1024);
  });
});
