import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers.js';
import { removeKeys } from './shared.js';

/**
 * Each case runs on Parley cache and on the real Redis at 127.0.0.1:6379, and the replies (or
 * error messages, SHA1 and line included) must be identical. Keys live under a unique prefix
 * that is removed afterwards; nothing else on the shared Redis is touched.
 */
interface Case {
  name: string;
  script: string;
  keys?: string[];
  args?: (string | number)[];
  /** Commands run before the script (key names get the prefix). */
  setup?: string[][];
}

const cases: Case[] = [
  {
    name: 'KEYS and ARGV',
    script: 'return {KEYS[1], KEYS[2], ARGV[1], ARGV[2]}',
    keys: ['a', 'b'],
    args: ['x', 'y'],
  },
  { name: 'numbers are truncated to integers', script: 'return {3.99, -2.5, 7, 2^40}' },
  { name: 'false is nil, true is 1', script: 'return {true, false, 1}' },
  { name: 'a table stops at its first nil', script: "return {1, 2, 3.7, 'a', nil, 4}" },
  { name: 'nested tables', script: "return {1, {2, {3, 'x'}}, redis.call('ping')}" },
  { name: 'status reply table', script: "return {ok='FINE'}" },
  { name: 'error reply table', script: "return {err='My err'}" },
  { name: 'redis.error_reply adds ERR', script: "return redis.error_reply('E2')" },
  { name: 'redis.error_reply keeps a code', script: "return redis.error_reply('MYCODE msg')" },
  { name: 'redis.status_reply', script: "return redis.status_reply('FINE')" },
  { name: 'redis.sha1hex', script: "return redis.sha1hex('')" },
  { name: 'arguments coerced with tonumber', script: 'return tostring(ARGV[1] + 0)', args: ['3.5'] },
  { name: 'cjson round trip', script: 'return cjson.encode(cjson.decode(\'[1,"a",{"b":true}]\'))' },
  { name: 'cmsgpack round trip', script: "return cmsgpack.unpack(cmsgpack.pack({1, 2, 'x'}))" },
  { name: 'bit library', script: 'return {bit.band(7, 3), bit.bor(8, 1), bit.bxor(5, 1), bit.lshift(1, 4)}' },
  { name: 'struct library', script: "return struct.unpack('>I2', struct.pack('>I2', 513))" },
  { name: 'string library', script: "return string.format('%05.1f|%s|%d', 3.14159, 'x', 42)" },
  {
    name: 'redis.call returns bulk, integer, nil (false), status and arrays',
    script:
      "redis.call('set', KEYS[1], 'v'); return {redis.call('get', KEYS[1]), redis.call('incr', KEYS[2]), " +
      "tostring(redis.call('get', KEYS[3])), redis.call('set', KEYS[1], 'w')['ok'], redis.call('mget', KEYS[1], KEYS[2])}",
    keys: ['s', 'n', 'missing'],
  },
  {
    name: 'numbers passed to redis.call',
    script:
      "redis.call('set', KEYS[1], 42); redis.call('rpush', KEYS[2], 1, 2.5, -7); return {redis.call('get', KEYS[1]), redis.call('lrange', KEYS[2], 0, -1)}",
    keys: ['num', 'list'],
  },
  {
    name: 'hash and sorted set replies',
    script:
      "redis.call('hset', KEYS[1], 'f', 'v'); redis.call('zadd', KEYS[2], 1.5, 'a', 2, 'b'); " +
      "return {redis.call('hgetall', KEYS[1]), redis.call('zrange', KEYS[2], 0, -1, 'WITHSCORES'), redis.call('zscore', KEYS[2], 'a')}",
    keys: ['h', 'z'],
  },
  {
    name: 'integer replies beyond 32 bits, negative and int64 limits',
    script:
      "return {redis.call('incrby', KEYS[1], 5000000000), redis.call('incrby', KEYS[1], -10000000000), " +
      "redis.call('incrby', KEYS[2], '9223372036854775807'), redis.call('decr', KEYS[3])}",
    keys: ['i1', 'i2', 'i3'],
  },
  {
    name: 'non-ASCII and long arguments and replies round trip byte for byte',
    script:
      "redis.call('set', KEYS[1], ARGV[1]); redis.call('hset', KEYS[2], ARGV[2], ARGV[1]); " +
      "return {redis.call('get', KEYS[1]), redis.call('hget', KEYS[2], ARGV[2]), string.len(ARGV[1]), redis.call('strlen', KEYS[1])}",
    keys: ['bin', 'binh'],
    args: ['é∂\u0000x'.repeat(40), 'ключ'],
  },
  {
    name: 'RESP3 doubles, booleans and sets reach the script as Redis converts them',
    script:
      "redis.call('zadd', KEYS[1], 1.5, 'a'); redis.call('sadd', KEYS[2], 'm'); redis.setresp(3); " +
      "local d = redis.call('zscore', KEYS[1], 'a'); local s = redis.call('smembers', KEYS[2]); " +
      "local e = redis.call('exists', KEYS[1]); return {tostring(d['double']), type(s), s['set'] and 1 or 0, e}",
    keys: ['z3', 's3'],
  },
  { name: 'nonexistent global read', script: 'return y' },
  { name: 'global write refused', script: 'x = 5' },
  { name: 'compile error', script: 'syntax error here' },
  { name: 'runtime error', script: "error('boom')" },
  {
    name: 'line numbers after comments and indentation',
    script: "--[[ a\n long comment ]]\n  local x = 1 -- note\n\n    error('late ' .. x)",
  },
  { name: 'unknown command', script: "return redis.call('nosuch')" },
  { name: 'wrong arity inside a script', script: "return redis.call('get')" },
  { name: 'command not allowed in scripts', script: "return redis.call('subscribe', 'x')" },
  { name: 'blocking commands refused', script: "return redis.call('blpop', KEYS[1], 0)", keys: ['q'] },
  {
    name: 'XREAD allowed (never blocks)',
    script: "return redis.call('xread', 'COUNT', 1, 'STREAMS', KEYS[1], '0')",
    keys: ['st'],
  },
  {
    name: 'SELECT inside a script',
    script: "redis.call('select', 1); return redis.call('exists', KEYS[1])",
    keys: ['k'],
  },
  { name: 'multiple return values keep the first', script: 'return unpack({1, 2, 3})' },
  { name: 'the main chunk is a vararg function', script: "return select('#', ...)" },
  {
    name: 'redis.call error aborts the script',
    script: "return redis.call('incr', KEYS[1])",
    keys: ['str'],
    setup: [['set', 'str', 'abc']],
  },
  {
    name: 'redis.pcall returns the error',
    script: "return redis.pcall('incr', KEYS[1])",
    keys: ['str'],
    setup: [['set', 'str', 'abc']],
  },
  {
    name: 'redis.pcall error table can be inspected',
    script: "local r = redis.pcall('hset', KEYS[1], 'a', 1); return r['err']",
    keys: ['str'],
    setup: [['set', 'str', 'abc']],
  },
  { name: 'bad argument type', script: "return redis.call('set', KEYS[1], {})", keys: ['t'] },
  {
    name: 'wrong type inside script',
    script: "return redis.call('lpush', KEYS[1], 'x')",
    keys: ['str'],
    setup: [['set', 'str', 'abc']],
  },
];

let parley: Harness;
let onParley: Redis;
let onRedis: Redis;
const prefix = `parley-script-parity:${randomUUID()}:`;

beforeAll(async () => {
  parley = await startHarness();
  onParley = parley.client();
  onRedis = new Redis({ host: '127.0.0.1', port: 6379, maxRetriesPerRequest: 0 });
});

afterAll(async () => {
  await removeKeys(onRedis, prefix);
  onRedis.disconnect();
  await parley.stop();
});

async function reply(redis: Redis, args: (string | number)[]): Promise<unknown> {
  try {
    return await redis.call(...(args as [string, ...(string | number)[]]));
  } catch (error) {
    return { error: (error as Error).message };
  }
}

async function both(args: (string | number)[]): Promise<[unknown, unknown]> {
  return [await reply(onParley, args), await reply(onRedis, args)];
}

describe('scripting parity with Redis', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const run = randomUUID();
      const name = (key: string) => `${prefix}${run}:${key}`;
      for (const command of c.setup ?? []) {
        const [cmd, key, ...rest] = command;
        await both([cmd!, name(key!), ...rest]);
      }
      const keys = (c.keys ?? []).map(name);
      const [fromParley, fromRedis] = await both(['eval', c.script, keys.length, ...keys, ...(c.args ?? [])]);
      expect(fromParley).toEqual(fromRedis);
    });
  }

  it.each([
    ['more keys than arguments', ['eval', 'return 1', 2, 'a']],
    ['negative numkeys', ['eval', 'return 1', -1]],
    ['numkeys not a number', ['eval', 'return 1', 'x']],
    ['EVALSHA of an unknown script', ['evalsha', 'ffffffffffffffffffffffffffffffffffffffff', 0]],
    ['EVALSHA of a short SHA', ['evalsha', '12', 0]],
    ['EVAL_RO refuses writes', ['eval_ro', "return redis.call('set', KEYS[1], '1')", 1, `${prefix}ro`]],
    ['EVAL_RO allows reads', ['eval_ro', "return redis.call('get', KEYS[1])", 1, `${prefix}ro`]],
    ['SCRIPT KILL with nothing running', ['script', 'kill']],
    ['SCRIPT EXISTS', ['script', 'exists', 'ffffffffffffffffffffffffffffffffffffffff']],
    ['SCRIPT LOAD of a syntax error', ['script', 'load', 'return +']],
    ['SCRIPT with an unknown subcommand', ['script', 'nope']],
    ['SCRIPT FLUSH with a bad mode', ['script', 'flush', 'later']],
    ['EVAL arity', ['eval', 'return 1']],
  ])('%s', async (_name, args) => {
    const [fromParley, fromRedis] = await both(args as (string | number)[]);
    expect(fromParley).toEqual(fromRedis);
  });

  it('SCRIPT LOAD returns the SHA1 that EVALSHA runs', async () => {
    const body = `return {ARGV[1], '${randomUUID()}'}`;
    const [shaParley, shaRedis] = await both(['script', 'load', body]);
    expect(shaParley).toEqual(shaRedis);
    expect(
      await both(['script', 'exists', shaParley as string, 'ffffffffffffffffffffffffffffffffffffffff']),
    ).toEqual([
      [1, 0],
      [1, 0],
    ]);
    const [a, b] = await both(['evalsha', (shaParley as string).toUpperCase(), 0, 'arg']);
    expect(a).toEqual(b);
  });
});
