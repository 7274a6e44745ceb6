import { errors, ReplyError } from '../errors.js';
import type { Client } from '../server/client.js';
import { notifyClass } from '../server/notify.js';
import { addInt64, floatArg, formatLongDouble, int64Arg, intArg, parseDouble } from './args.js';
import { type CommandSpec, command } from './command.js';
import { expiryArg } from './expiry.js';
import { getString } from './lookup.js';

/** Strings (t_string.c). Values are latin1 strings; integers are stored as their decimal text. */

const MAX_STRING = 2 ** 29 - 24;
const str = notifyClass.string;

function setKey(c: Client, key: string, value: string, keepTtl = false): void {
  c.db.set(key, value, keepTtl);
  c.changed(key, 'set', str);
}

/** Stores with an absolute expiry; a time already past deletes the key instead (checkAlreadyExpired). */
function setWithExpiry(c: Client, key: string, value: string, at: number): void {
  if (at <= c.engine.clock.now()) {
    if (c.db.delete(key)) c.changed(key, 'del', notifyClass.generic);
    c.propagateArgv = ['del', key];
    return;
  }
  c.db.set(key, value);
  c.db.setExpire(key, at);
  c.changed(key, 'set', str);
  c.engine.notify(notifyClass.generic, 'expire', key, c.db.id);
  c.propagateArgv = ['set', key, value, 'PXAT', String(at)];
}

function get(c: Client, argv: string[]): void {
  c.writer.bulkOrNil(getString(c, argv[1]!));
}

/** SET key value [NX | XX] [GET] [EX s | PX ms | EXAT ts | PXAT ts-ms | KEEPTTL] */
function set(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const value = argv[2]!;
  if (argv.length === 3) {
    setKey(c, key, value);
    c.writer.ok();
    return;
  }
  let condition: 'NX' | 'XX' | null = null;
  let withGet = false;
  let keepTtl = false;
  let at: number | null = null;
  for (let i = 3; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    if ((option === 'NX' || option === 'XX') && condition === null) condition = option;
    else if (option === 'GET' && !withGet) withGet = true;
    else if (option === 'KEEPTTL' && at === null && !keepTtl) keepTtl = true;
    else if (
      (option === 'EX' || option === 'PX' || option === 'EXAT' || option === 'PXAT') &&
      at === null &&
      !keepTtl
    ) {
      const arg = argv[++i];
      if (arg === undefined) throw new ReplyError(errors.syntax);
      at = expiryArg(c, 'set', arg, option === 'EX' || option === 'EXAT' ? 1000 : 1, option.endsWith('AT'));
    } else throw new ReplyError(errors.syntax);
  }
  const old = withGet ? getString(c, key) : undefined;
  const exists = withGet ? old !== undefined : condition !== null && c.db.has(key);
  if ((condition === 'NX' && exists) || (condition === 'XX' && !exists)) {
    if (withGet) c.writer.bulkOrNil(old);
    else c.writer.nil();
    return;
  }
  if (at !== null) setWithExpiry(c, key, value, at);
  else {
    setKey(c, key, value, keepTtl);
    if (withGet) c.propagateArgv = keepTtl ? ['set', key, value, 'KEEPTTL'] : ['set', key, value];
  }
  if (withGet) c.writer.bulkOrNil(old);
  else c.writer.ok();
}

function setnx(c: Client, argv: string[]): void {
  if (c.db.has(argv[1]!)) {
    c.writer.integer(0);
    return;
  }
  setKey(c, argv[1]!, argv[2]!);
  c.writer.integer(1);
}

function setexFamily(unitMs: number, name: string) {
  return (c: Client, argv: string[]) => {
    const at = expiryArg(c, name, argv[2]!, unitMs, false);
    setWithExpiry(c, argv[1]!, argv[3]!, at);
    c.writer.ok();
  };
}

function mget(c: Client, argv: string[]): void {
  c.writer.array(argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const value = c.db.get(argv[i]!);
    c.writer.bulkOrNil(typeof value === 'string' ? value : undefined);
  }
}

function mset(c: Client, argv: string[]): void {
  if (argv.length % 2 === 0) throw new ReplyError(errors.arity('mset'));
  for (let i = 1; i < argv.length; i += 2) setKey(c, argv[i]!, argv[i + 1]!);
  c.writer.ok();
}

function msetnx(c: Client, argv: string[]): void {
  if (argv.length % 2 === 0) throw new ReplyError(errors.arity('msetnx'));
  for (let i = 1; i < argv.length; i += 2) {
    if (c.db.has(argv[i]!)) {
      c.writer.integer(0);
      return;
    }
  }
  for (let i = 1; i < argv.length; i += 2) setKey(c, argv[i]!, argv[i + 1]!);
  c.writer.integer(1);
}

function getset(c: Client, argv: string[]): void {
  const old = getString(c, argv[1]!);
  setKey(c, argv[1]!, argv[2]!);
  c.writer.bulkOrNil(old);
}

function getdel(c: Client, argv: string[]): void {
  const old = getString(c, argv[1]!);
  if (old !== undefined) {
    c.db.delete(argv[1]!);
    c.changed(argv[1]!, 'del', notifyClass.generic);
  }
  c.writer.bulkOrNil(old);
}

/** GETEX key [EX s | PX ms | EXAT ts | PXAT ts-ms | PERSIST] */
function getex(c: Client, argv: string[]): void {
  const key = argv[1]!;
  let at: number | null = null;
  let persist = false;
  for (let i = 2; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    if (option === 'PERSIST' && at === null && !persist) persist = true;
    else if (
      (option === 'EX' || option === 'PX' || option === 'EXAT' || option === 'PXAT') &&
      at === null &&
      !persist
    ) {
      const arg = argv[++i];
      if (arg === undefined) throw new ReplyError(errors.syntax);
      at = expiryArg(c, 'getex', arg, option === 'EX' || option === 'EXAT' ? 1000 : 1, option.endsWith('AT'));
    } else throw new ReplyError(errors.syntax);
  }
  const value = getString(c, key);
  if (value === undefined) {
    c.writer.nil();
    return;
  }
  if (at !== null) {
    if (at <= c.engine.clock.now()) {
      c.db.delete(key);
      c.changed(key, 'del', notifyClass.generic);
      c.propagateArgv = ['del', key];
    } else {
      c.db.setExpire(key, at);
      c.changed(key, 'expire', notifyClass.generic);
      c.propagateArgv = ['pexpireat', key, String(at)];
    }
  } else if (persist && c.db.persist(key)) {
    c.changed(key, 'persist', notifyClass.generic);
    c.propagateArgv = ['persist', key];
  }
  c.writer.bulk(value);
}

function append(c: Client, argv: string[]): void {
  const old = getString(c, argv[1]!) ?? '';
  if (old.length + argv[2]!.length > MAX_STRING) throw new ReplyError(errors.stringTooLong);
  const value = old + argv[2]!;
  c.db.set(argv[1]!, value, true);
  c.changed(argv[1]!, 'append', str);
  c.writer.integer(value.length);
}

function strlen(c: Client, argv: string[]): void {
  c.writer.integer(getString(c, argv[1]!)?.length ?? 0);
}

function getrange(c: Client, argv: string[]): void {
  let start = intArg(argv[2]!);
  let end = intArg(argv[3]!);
  const value = getString(c, argv[1]!) ?? '';
  const length = value.length;
  if (start < 0 && end < 0 && start > end) {
    c.writer.bulk('');
    return;
  }
  if (start < 0) start = Math.max(0, length + start);
  if (end < 0) end = Math.max(0, length + end);
  if (end >= length) end = length - 1;
  c.writer.bulk(start > end || length === 0 ? '' : value.slice(start, end + 1));
}

function setrange(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const offset = intArg(argv[2]!);
  const patch = argv[3]!;
  if (offset < 0) throw new ReplyError('ERR offset is out of range');
  const old = getString(c, key);
  if (patch.length === 0) {
    c.writer.integer(old?.length ?? 0);
    return;
  }
  if (offset + patch.length > MAX_STRING) throw new ReplyError(errors.stringTooLong);
  let value = old ?? '';
  if (value.length < offset) value += '\0'.repeat(offset - value.length);
  value = value.slice(0, offset) + patch + value.slice(offset + patch.length);
  c.db.set(key, value, true);
  c.changed(key, 'setrange', str);
  c.writer.integer(value.length);
}

/** INCR/DECR/INCRBY/DECRBY on the decimal text, exact over the whole int64 range. */
function incrBy(c: Client, key: string, delta: number | bigint): void {
  const text = String(addInt64(getString(c, key), delta, errors.notInteger));
  c.db.set(key, text, true);
  c.changed(key, 'incrby', str);
  c.writer.integerText(text);
}

function negate(delta: number | bigint): number | bigint {
  if (typeof delta === 'bigint') {
    if (delta === -(2n ** 63n)) throw new ReplyError(errors.decrementOverflow);
    return -delta;
  }
  return -delta;
}

function incrbyfloat(c: Client, argv: string[]): void {
  const key = argv[1]!;
  const delta = floatArg(argv[2]!);
  const old = getString(c, key);
  const current = old === undefined ? 0 : parseDouble(old);
  if (current === undefined) throw new ReplyError(errors.notFloat);
  const result = current + delta;
  if (!Number.isFinite(result)) throw new ReplyError(errors.incrNaN);
  const text = formatLongDouble(result);
  c.db.set(key, text, true);
  c.changed(key, 'incrbyfloat', str);
  // Replicas and the AOF get the result, not the float arithmetic (which could differ).
  c.propagateArgv = ['set', key, text, 'KEEPTTL'];
  c.writer.bulk(text);
}

/** LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN] */
function lcs(c: Client, argv: string[]): void {
  let wantLen = false;
  let wantIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let i = 3; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    if (option === 'LEN') wantLen = true;
    else if (option === 'IDX') wantIdx = true;
    else if (option === 'WITHMATCHLEN') withMatchLen = true;
    else if (option === 'MINMATCHLEN' && i + 1 < argv.length) minMatchLen = Math.max(0, intArg(argv[++i]!));
    else throw new ReplyError(errors.syntax);
  }
  if (wantLen && wantIdx) throw new ReplyError(errors.lcsBothLenIdx);
  const a = getString(c, argv[1]!) ?? '';
  const b = getString(c, argv[2]!) ?? '';
  const width = b.length + 1;
  // The DP table is (|a|+1)·(|b|+1) 32-bit cells; Redis refuses it above proto-max-bulk-len.
  if ((a.length + 1) * width * 4 > c.engine.config.number('proto-max-bulk-len'))
    throw new ReplyError('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len');
  // dp[i][j] = LCS length of a[0..i) and b[0..j), in one flat typed array.
  const dp = new Uint32Array((a.length + 1) * width);
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++)
      dp[i * width + j] =
        a.charCodeAt(i - 1) === b.charCodeAt(j - 1)
          ? dp[(i - 1) * width + j - 1]! + 1
          : Math.max(dp[(i - 1) * width + j]!, dp[i * width + j - 1]!);
  const length = dp[a.length * width + b.length]!;
  if (wantLen) {
    c.writer.integer(length);
    return;
  }
  // Walk back from the end collecting the common string and the matching ranges.
  const chars: string[] = [];
  const matches: [number, number, number, number][] = [];
  let i = a.length;
  let j = b.length;
  let range: [number, number, number, number] | null = null;
  const closeRange = () => {
    if (range && range[1] - range[0] + 1 >= minMatchLen) matches.push(range);
    range = null;
  };
  while (i > 0 && j > 0) {
    if (a.charCodeAt(i - 1) === b.charCodeAt(j - 1)) {
      chars.push(a[i - 1]!);
      const ai = i - 1;
      const bj = j - 1;
      if (range && range[0] === ai + 1 && range[2] === bj + 1) {
        range[0] = ai;
        range[2] = bj;
      } else {
        closeRange();
        range = [ai, ai, bj, bj];
      }
      i--;
      j--;
    } else if (dp[(i - 1) * width + j]! > dp[i * width + j - 1]!) i--;
    else j--;
  }
  closeRange();
  if (!wantIdx) {
    c.writer.bulk(chars.reverse().join(''));
    return;
  }
  const w = c.writer;
  w.map(2);
  w.bulk('matches');
  w.array(matches.length);
  for (const [a0, a1, b0, b1] of matches) {
    w.array(withMatchLen ? 3 : 2);
    w.array(2);
    w.integer(a0);
    w.integer(a1);
    w.array(2);
    w.integer(b0);
    w.integer(b1);
    if (withMatchLen) w.integer(a1 - a0 + 1);
  }
  w.bulk('len');
  w.integer(length);
}

const W = ['write', 'denyoom'] as const;
const WF = ['write', 'denyoom', 'fast'] as const;
const RF = ['readonly', 'fast'] as const;
const one = [1, 1, 1] as const;

export const stringCommands: CommandSpec[] = [
  command('get', 2, RF, one, get),
  command('set', -3, W, one, set),
  command('setnx', 3, WF, one, setnx),
  command('setex', 4, W, one, setexFamily(1000, 'setex')),
  command('psetex', 4, W, one, setexFamily(1, 'psetex')),
  command('mget', -2, RF, [1, -1, 1], mget),
  command('mset', -3, W, [1, -1, 2], mset),
  command('msetnx', -3, W, [1, -1, 2], msetnx),
  command('getset', 3, WF, one, getset),
  command('getdel', 2, ['write', 'fast'], one, getdel),
  command('getex', -2, ['write', 'fast'], one, getex),
  command('append', 3, WF, one, append),
  command('strlen', 2, RF, one, strlen),
  command('getrange', 4, ['readonly'], one, getrange),
  command('substr', 4, ['readonly'], one, getrange),
  command('setrange', 4, W, one, setrange),
  command('incr', 2, WF, one, (c, argv) => incrBy(c, argv[1]!, 1)),
  command('decr', 2, WF, one, (c, argv) => incrBy(c, argv[1]!, -1)),
  command('incrby', 3, WF, one, (c, argv) => incrBy(c, argv[1]!, int64Arg(argv[2]!))),
  command('decrby', 3, WF, one, (c, argv) => incrBy(c, argv[1]!, negate(int64Arg(argv[2]!)))),
  command('incrbyfloat', 3, WF, one, incrbyfloat),
  command('lcs', -3, ['readonly'], [1, 2, 1], lcs),
];
