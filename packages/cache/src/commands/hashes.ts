import { errors, ReplyError } from '../errors.js';
import { internName } from '../keyspace/intern.js';
import type { Client } from '../server/client.js';
import { notifyClass } from '../server/notify.js';
import { addInt64, floatArg, formatLongDouble, int64Arg, intArg, is, parseDouble } from './args.js';
import { type CommandSpec, command } from './command.js';
import { getHash, hashForWrite, removeMembers } from './lookup.js';
import { matches, replyScan, scanOptions, scanStep } from './scan.js';

/** Hashes (t_hash.c) on a Map of field → value. */

const hash = notifyClass.hash;

/** HSET replies with the number of new fields, HMSET with OK. */
function hset(c: Client, argv: string[]): void {
  const added = setFields(c, argv, 'hset');
  c.writer.integer(added);
}

function hmset(c: Client, argv: string[]): void {
  setFields(c, argv, 'hmset');
  c.writer.ok();
}

function setFields(c: Client, argv: string[], name: string): number {
  if (argv.length % 2 !== 0) throw new ReplyError(errors.arity(name));
  const fields = hashForWrite(c, argv[1]!);
  let added = 0;
  for (let i = 2; i < argv.length; i += 2) {
    const field = argv[i]!;
    if (fields.has(field)) fields.set(field, argv[i + 1]!);
    else {
      fields.set(internName(field), argv[i + 1]!);
      added++;
    }
  }
  c.changed(argv[1]!, 'hset', hash);
  return added;
}

function hsetnx(c: Client, argv: string[]): void {
  const existing = getHash(c, argv[1]!);
  if (existing?.has(argv[2]!)) {
    c.writer.integer(0);
    return;
  }
  hashForWrite(c, argv[1]!).set(argv[2]!, argv[3]!);
  c.changed(argv[1]!, 'hset', hash);
  c.writer.integer(1);
}

function hget(c: Client, argv: string[]): void {
  c.writer.bulkOrNil(getHash(c, argv[1]!)?.get(argv[2]!));
}

function hmget(c: Client, argv: string[]): void {
  const fields = getHash(c, argv[1]!);
  c.writer.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.writer.bulkOrNil(fields?.get(argv[i]!));
}

function hgetall(c: Client, argv: string[]): void {
  const fields = getHash(c, argv[1]!);
  c.writer.map(fields?.size ?? 0);
  if (fields)
    for (const [field, value] of fields) {
      c.writer.bulk(field);
      c.writer.bulk(value);
    }
}

function hdel(c: Client, argv: string[]): void {
  removeMembers(c, argv, getHash(c, argv[1]!), 'hdel', hash);
}

function hexists(c: Client, argv: string[]): void {
  c.writer.integer(getHash(c, argv[1]!)?.has(argv[2]!) ? 1 : 0);
}

function hlen(c: Client, argv: string[]): void {
  c.writer.integer(getHash(c, argv[1]!)?.size ?? 0);
}

function hkeys(c: Client, argv: string[]): void {
  c.writer.bulks([...(getHash(c, argv[1]!)?.keys() ?? [])]);
}

function hvals(c: Client, argv: string[]): void {
  c.writer.bulks([...(getHash(c, argv[1]!)?.values() ?? [])]);
}

function hstrlen(c: Client, argv: string[]): void {
  c.writer.integer(getHash(c, argv[1]!)?.get(argv[2]!)?.length ?? 0);
}

function hincrby(c: Client, argv: string[]): void {
  const delta = int64Arg(argv[3]!);
  const fields = getHash(c, argv[1]!);
  const result = addInt64(fields?.get(argv[2]!), delta, errors.hashNotInteger);
  (fields ?? hashForWrite(c, argv[1]!)).set(argv[2]!, String(result));
  c.changed(argv[1]!, 'hincrby', hash);
  c.writer.integer(result);
}

function hincrbyfloat(c: Client, argv: string[]): void {
  const delta = floatArg(argv[3]!);
  const fields = getHash(c, argv[1]!);
  const old = fields?.get(argv[2]!);
  const current = old === undefined ? 0 : parseDouble(old);
  if (current === undefined) throw new ReplyError(errors.hashNotFloat);
  const result = current + delta;
  if (!Number.isFinite(result)) throw new ReplyError(errors.incrNaN);
  const text = formatLongDouble(result);
  (fields ?? hashForWrite(c, argv[1]!)).set(argv[2]!, text);
  c.changed(argv[1]!, 'hincrbyfloat', hash);
  c.propagateArgv = ['hset', argv[1]!, argv[2]!, text];
  c.writer.bulk(text);
}

/** HRANDFIELD key [count [WITHVALUES]]: negative count allows repeats. */
function hrandfield(c: Client, argv: string[]): void {
  const fields = getHash(c, argv[1]!);
  if (argv.length === 2) {
    if (!fields) c.writer.nil();
    else c.writer.bulk([...fields.keys()][Math.floor(Math.random() * fields.size)]!);
    return;
  }
  const count = intArg(argv[2]!);
  const withValues = argv.length === 4 && is(argv[3], 'WITHVALUES');
  if (argv.length > 4 || (argv.length === 4 && !withValues)) throw new ReplyError(errors.syntax);
  const picked = randomMembers(fields ? [...fields.keys()] : [], count);
  if (withValues && c.protocol === 3) {
    c.writer.array(picked.length);
    for (const field of picked) {
      c.writer.array(2);
      c.writer.bulk(field);
      c.writer.bulk(fields!.get(field)!);
    }
    return;
  }
  c.writer.array(withValues ? picked.length * 2 : picked.length);
  for (const field of picked) {
    c.writer.bulk(field);
    if (withValues) c.writer.bulk(fields!.get(field)!);
  }
}

/** Random picks as Redis defines them: count > 0 distinct (at most all), count < 0 with repeats. */
export function randomMembers(all: string[], count: number): string[] {
  if (all.length === 0 || count === 0) return [];
  if (count < 0) return Array.from({ length: -count }, () => all[Math.floor(Math.random() * all.length)]!);
  if (count >= all.length) return all;
  for (let i = all.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [all[i], all[j]] = [all[j]!, all[i]!];
  }
  return all.slice(0, count);
}

function hscan(c: Client, argv: string[]): void {
  const options = scanOptions(argv, 2, false, true);
  const fields = getHash(c, argv[1]!);
  if (!fields) {
    replyScan(c, 0, []);
    return;
  }
  const { next, items } = scanStep(options, fields.size, () => fields.keys());
  const out: string[] = [];
  for (const field of items) {
    const value = fields.get(field);
    if (value === undefined || !matches(options, field)) continue;
    out.push(field);
    if (!options.noValues) out.push(value);
  }
  replyScan(c, next, out);
}

const WF = ['write', 'denyoom', 'fast'] as const;
const RF = ['readonly', 'fast'] as const;
const one = [1, 1, 1] as const;

export const hashCommands: CommandSpec[] = [
  command('hset', -4, WF, one, hset),
  command('hmset', -4, WF, one, hmset),
  command('hsetnx', 4, WF, one, hsetnx),
  command('hget', 3, RF, one, hget),
  command('hmget', -3, RF, one, hmget),
  command('hgetall', 2, ['readonly'], one, hgetall),
  command('hdel', -3, ['write', 'fast'], one, hdel),
  command('hexists', 3, RF, one, hexists),
  command('hlen', 2, RF, one, hlen),
  command('hkeys', 2, ['readonly'], one, hkeys),
  command('hvals', 2, ['readonly'], one, hvals),
  command('hstrlen', 3, RF, one, hstrlen),
  command('hincrby', 4, WF, one, hincrby),
  command('hincrbyfloat', 4, WF, one, hincrbyfloat),
  command('hrandfield', -2, ['readonly'], one, hrandfield),
  command('hscan', -3, ['readonly'], one, hscan),
];
