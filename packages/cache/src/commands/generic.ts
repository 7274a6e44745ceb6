import { errors, ReplyError } from '../errors.js';
import { globMatch } from '../glob.js';
import { cloneValue, typeOf, type Value } from '../keyspace/value.js';
import type { Client } from '../server/client.js';
import { notifyClass } from '../server/notify.js';
import { Deque } from '../types/deque.js';
import { SortedSet } from '../types/zset.js';
import { intArg } from './args.js';
import { type CommandSpec, command } from './command.js';
import { expiryArg } from './expiry.js';
import { matches, replyScan, scanOptions, scanStep } from './scan.js';

/** Keyspace commands that work on any type (db.c, expire.c, object.c). */

const generic = notifyClass.generic;

function del(c: Client, argv: string[]): void {
  let removed = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i]!;
    if (c.db.has(key) && c.db.delete(key)) {
      removed++;
      c.changed(key, 'del', generic);
    }
  }
  c.writer.integer(removed);
}

function exists(c: Client, argv: string[]): void {
  let count = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.has(argv[i]!)) count++;
  c.writer.integer(count);
}

function type(c: Client, argv: string[]): void {
  const value = c.db.get(argv[1]!);
  c.writer.simple(value === undefined ? 'none' : typeOf(value));
}

function rename(nx: boolean) {
  return (c: Client, argv: string[]) => {
    const [, from, to] = argv as [string, string, string];
    const value = c.db.get(from);
    if (value === undefined) throw new ReplyError(errors.noSuchKey);
    if (from === to) {
      c.writer.raw(nx ? ':0\r\n' : '+OK\r\n');
      return;
    }
    if (nx && c.db.has(to)) {
      c.writer.integer(0);
      return;
    }
    const at = c.db.expireAt(from);
    c.db.delete(from);
    if (c.db.delete(to)) c.changed(to, 'del', generic);
    c.db.set(to, value);
    if (at !== undefined) c.db.setExpire(to, at);
    c.changed(from, 'rename_from', generic);
    c.changed(to, 'rename_to', generic);
    if (nx) c.writer.integer(1);
    else c.writer.ok();
  };
}

/** COPY source destination [DB destination-db] [REPLACE] */
function copy(c: Client, argv: string[]): void {
  let target = c.db;
  let replace = false;
  for (let i = 3; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    if (option === 'REPLACE') replace = true;
    else if (option === 'DB' && i + 1 < argv.length) {
      const index = intArg(argv[++i]!, errors.invalidDbIndex);
      const db = c.engine.dbs[index];
      if (!db) throw new ReplyError(errors.dbIndex);
      target = db;
    } else throw new ReplyError(errors.syntax);
  }
  const [, from, to] = argv as [string, string, string];
  if (target === c.db && from === to) throw new ReplyError(errors.sameObject);
  const value = c.db.get(from);
  if (value === undefined || (!replace && target.has(to))) {
    c.writer.integer(0);
    return;
  }
  const at = c.db.expireAt(from);
  target.delete(to);
  target.set(to, cloneValue(value));
  if (at !== undefined) target.setExpire(to, at);
  c.engine.changed(target, to, 'copy_to', generic);
  c.writer.integer(1);
}

function move(c: Client, argv: string[]): void {
  const index = intArg(argv[2]!, errors.invalidDbIndex);
  const target = c.engine.dbs[index];
  if (!target) throw new ReplyError(errors.dbIndex);
  if (target === c.db) throw new ReplyError(errors.sameObject);
  const key = argv[1]!;
  const value = c.db.get(key);
  if (value === undefined || target.has(key)) {
    c.writer.integer(0);
    return;
  }
  const at = c.db.expireAt(key);
  c.db.delete(key);
  target.set(key, value);
  if (at !== undefined) target.setExpire(key, at);
  c.changed(key, 'move_from', generic);
  c.engine.changed(target, key, 'move_to', generic);
  c.writer.integer(1);
}

function keys(c: Client, argv: string[]): void {
  const pattern = argv[1]!;
  const all = pattern === '*';
  const out: string[] = [];
  for (const key of c.db.dict.keys()) {
    if (c.db.isExpired(key)) continue;
    if (all || globMatch(pattern, key)) out.push(key);
  }
  c.writer.bulks(out);
}

/** SCAN cursor [MATCH pattern] [COUNT count] [TYPE type] */
function scan(c: Client, argv: string[]): void {
  const options = scanOptions(argv, 1, true);
  const db = c.db;
  const { next, items } = scanStep(options, db.size, () => db.dict.keys());
  const out: string[] = [];
  for (const key of items) {
    const value = db.get(key);
    if (value === undefined || !matches(options, key)) continue;
    if (options.type !== null && typeOf(value) !== options.type) continue;
    out.push(key);
  }
  replyScan(c, next, out);
}

function randomkey(c: Client): void {
  c.writer.bulkOrNil(c.db.randomKey());
}

/** EXPIRE key seconds [NX | XX | GT | LT], and its PEXPIRE/EXPIREAT/PEXPIREAT siblings. */
function expireFamily(name: string, unitMs: number, absolute: boolean) {
  return (c: Client, argv: string[]) => {
    const key = argv[1]!;
    const at = expiryArg(c, name, argv[2]!, unitMs, absolute, true);
    let flag: string | null = null;
    for (let i = 3; i < argv.length; i++) {
      const option = argv[i]!.toUpperCase();
      if (!['NX', 'XX', 'GT', 'LT'].includes(option))
        throw new ReplyError(`ERR Unsupported option ${argv[i]}`);
      if (flag !== null && flag !== option) {
        if ((flag === 'GT' && option === 'LT') || (flag === 'LT' && option === 'GT'))
          throw new ReplyError('ERR GT and LT options at the same time are not compatible');
        throw new ReplyError('ERR NX and XX, GT or LT options at the same time are not compatible');
      }
      flag = option;
    }
    if (!c.db.has(key)) {
      c.writer.integer(0);
      return;
    }
    const current = c.db.expireAt(key);
    // A persistent key counts as an infinite TTL for GT/LT.
    const currentOrInf = current ?? Number.POSITIVE_INFINITY;
    if (
      (flag === 'NX' && current !== undefined) ||
      (flag === 'XX' && current === undefined) ||
      (flag === 'GT' && !(at > currentOrInf)) ||
      (flag === 'LT' && !(at < currentOrInf))
    ) {
      c.writer.integer(0);
      return;
    }
    if (at <= c.engine.clock.now()) {
      c.db.delete(key);
      c.changed(key, 'del', generic);
      c.propagateArgv = ['del', key];
    } else {
      c.db.setExpire(key, at);
      c.changed(key, 'expire', generic);
      c.propagateArgv = ['pexpireat', key, String(at)];
    }
    c.writer.integer(1);
  };
}

/** TTL, PTTL, EXPIRETIME, PEXPIRETIME: -2 missing key, -1 no expiry. */
function ttlFamily(divisor: number, absolute: boolean) {
  return (c: Client, argv: string[]) => {
    const key = argv[1]!;
    if (!c.db.has(key)) {
      c.writer.integer(-2);
      return;
    }
    const at = c.db.expireAt(key);
    if (at === undefined) {
      c.writer.integer(-1);
      return;
    }
    const ms = absolute ? at : Math.max(0, at - c.engine.clock.now());
    c.writer.integer(divisor === 1 ? ms : Math.round(ms / divisor));
  };
}

function persist(c: Client, argv: string[]): void {
  const key = argv[1]!;
  if (c.db.has(key) && c.db.persist(key)) {
    c.changed(key, 'persist', generic);
    c.writer.integer(1);
  } else c.writer.integer(0);
}

function touch(c: Client, argv: string[]): void {
  let count = 0;
  for (let i = 1; i < argv.length; i++) if (c.db.has(argv[i]!)) count++;
  c.writer.integer(count);
}

/** What Redis would report as the internal encoding, for tools that look at it. */
function encodingOf(value: Value): string {
  if (typeof value === 'string') {
    if (/^-?[1-9]\d{0,17}$|^0$/.test(value)) return 'int';
    return value.length <= 44 ? 'embstr' : 'raw';
  }
  if (value instanceof Deque) return value.length <= 128 ? 'listpack' : 'quicklist';
  if (value instanceof Map) return value.size <= 128 ? 'listpack' : 'hashtable';
  if (value instanceof Set) {
    if (value.size <= 512 && [...value].every((m) => /^-?\d{1,18}$/.test(m))) return 'intset';
    return value.size <= 128 ? 'listpack' : 'hashtable';
  }
  if (value instanceof SortedSet) return value.size <= 128 ? 'listpack' : 'skiplist';
  return 'stream';
}

function object(c: Client, argv: string[]): void {
  const sub = argv[1]!.toUpperCase();
  if (sub === 'HELP') {
    c.writer.bulks([
      'OBJECT <subcommand>',
      'ENCODING <key>',
      'FREQ <key>',
      'IDLETIME <key>',
      'REFCOUNT <key>',
    ]);
    return;
  }
  if (argv.length !== 3) throw new ReplyError(errors.unknownSubcommand(argv[1]!, 'object'));
  const key = argv[2]!;
  const value = c.db.dict.get(key) !== undefined && !c.db.isExpired(key) ? c.db.dict.get(key) : undefined;
  const policy = c.engine.config.get('maxmemory-policy');
  switch (sub) {
    case 'ENCODING':
      c.writer.bulkOrNil(value === undefined ? undefined : encodingOf(value));
      return;
    case 'REFCOUNT':
      if (value === undefined) c.writer.nil();
      else c.writer.integer(1);
      return;
    case 'IDLETIME': {
      if (value === undefined) {
        c.writer.nil();
        return;
      }
      if (policy.endsWith('lfu'))
        throw new ReplyError(
          'ERR An LRU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
        );
      const last = c.db.access?.get(key);
      if (last === undefined)
        throw new ReplyError('ERR idle time is tracked only while an LRU maxmemory-policy is selected');
      c.writer.integer(Math.floor((c.engine.clock.now() - last) / 1000));
      return;
    }
    case 'FREQ': {
      if (value === undefined) {
        c.writer.nil();
        return;
      }
      if (!policy.endsWith('lfu'))
        throw new ReplyError(
          'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
        );
      c.writer.integer(c.engine.eviction.frequency(c.db, key));
      return;
    }
    default:
      throw new ReplyError(errors.unknownSubcommand(argv[1]!, 'object'));
  }
}

const RF = ['readonly', 'fast'] as const;
const WF = ['write', 'fast'] as const;
const one = [1, 1, 1] as const;

export const genericCommands: CommandSpec[] = [
  command('del', -2, ['write'], [1, -1, 1], del),
  command('unlink', -2, WF, [1, -1, 1], del),
  command('exists', -2, RF, [1, -1, 1], exists),
  command('type', 2, RF, one, type),
  command('rename', 3, ['write'], [1, 2, 1], rename(false)),
  command('renamenx', 3, WF, [1, 2, 1], rename(true)),
  command('copy', -3, ['write', 'denyoom'], [1, 2, 1], copy),
  command('move', 3, WF, one, move),
  command('keys', 2, ['readonly'], null, keys),
  command('scan', -2, ['readonly'], null, scan),
  command('randomkey', 1, ['readonly'], null, randomkey),
  command('expire', -3, WF, one, expireFamily('expire', 1000, false)),
  command('pexpire', -3, WF, one, expireFamily('pexpire', 1, false)),
  command('expireat', -3, WF, one, expireFamily('expireat', 1000, true)),
  command('pexpireat', -3, WF, one, expireFamily('pexpireat', 1, true)),
  command('ttl', 2, RF, one, ttlFamily(1000, false)),
  command('pttl', 2, RF, one, ttlFamily(1, false)),
  command('expiretime', 2, RF, one, ttlFamily(1000, true)),
  command('pexpiretime', 2, RF, one, ttlFamily(1, true)),
  command('persist', 2, WF, one, persist),
  command('touch', -2, RF, [1, -1, 1], touch),
  command('object', -2, ['readonly'], [2, 2, 1], object),
];
