import { errors, ReplyError } from '../errors.js';
import type { Client } from '../server/client.js';
import { notifyClass } from '../server/notify.js';
import type { Deque } from '../types/deque.js';
import { clampRange, intArg, is, timeoutArg } from './args.js';
import { blockOr, nilArrayReply, nilReply } from './blocking.js';
import { type CommandSpec, command, numkeysAt } from './command.js';
import { dropEmptied, dropIfEmpty, getList, listForWrite } from './lookup.js';

/** Lists (t_list.c) on a ring-buffer deque, including the blocking pops (blocked.c). */

const list = notifyClass.list;
type End = 'left' | 'right';

function push(end: End, onlyExisting: boolean) {
  return (c: Client, argv: string[]) => {
    const key = argv[1]!;
    const existing = getList(c, key);
    if (onlyExisting && !existing) {
      c.writer.integer(0);
      return;
    }
    const items = existing ?? listForWrite(c, key);
    for (let i = 2; i < argv.length; i++) {
      if (end === 'left') items.pushFront(argv[i]!);
      else items.pushBack(argv[i]!);
    }
    c.changed(key, end === 'left' ? 'lpush' : 'rpush', list);
    c.writer.integer(items.length);
  };
}

function popFrom(c: Client, key: string, items: Deque<string>, end: End): string {
  const value = (end === 'left' ? items.popFront() : items.popBack())!;
  c.changed(key, end === 'left' ? 'lpop' : 'rpop', list);
  dropEmptied(c, key, items.length);
  return value;
}

/** LPOP/RPOP key [count] */
function pop(end: End) {
  return (c: Client, argv: string[]) => {
    const key = argv[1]!;
    let count: number | null = null;
    if (argv.length > 3) throw new ReplyError(errors.arity(end === 'left' ? 'lpop' : 'rpop'));
    if (argv.length === 3) {
      count = intArg(argv[2]!, errors.positive('value'));
      if (count < 0) throw new ReplyError(errors.positive('value'));
    }
    const items = getList(c, key);
    if (!items) {
      if (count === null) c.writer.nil();
      else c.writer.nilArray();
      return;
    }
    if (count === null) {
      c.writer.bulk(popFrom(c, key, items, end));
      return;
    }
    const out: string[] = [];
    const n = Math.min(count, items.length);
    for (let i = 0; i < n; i++) out.push((end === 'left' ? items.popFront() : items.popBack())!);
    if (n > 0) {
      c.changed(key, end === 'left' ? 'lpop' : 'rpop', list);
      dropIfEmpty(c, key, items.length);
    }
    c.writer.bulks(out);
  };
}

function llen(c: Client, argv: string[]): void {
  c.writer.integer(getList(c, argv[1]!)?.length ?? 0);
}

function lrange(c: Client, argv: string[]): void {
  const start = intArg(argv[2]!);
  const stop = intArg(argv[3]!);
  const items = getList(c, argv[1]!);
  if (!items) {
    c.writer.array(0);
    return;
  }
  const [from, to] = clampRange(start, stop, items.length);
  c.writer.bulks(from > to ? [] : items.slice(from, to));
}

function lindex(c: Client, argv: string[]): void {
  let index = intArg(argv[2]!);
  const items = getList(c, argv[1]!);
  if (!items) {
    c.writer.nil();
    return;
  }
  if (index < 0) index += items.length;
  c.writer.bulkOrNil(items.at(index));
}

function lset(c: Client, argv: string[]): void {
  let index = intArg(argv[2]!);
  const items = getList(c, argv[1]!);
  if (!items) throw new ReplyError(errors.noSuchKey);
  if (index < 0) index += items.length;
  if (index < 0 || index >= items.length) throw new ReplyError(errors.indexOutOfRange);
  items.set(index, argv[3]!);
  c.changed(argv[1]!, 'lset', list);
  c.writer.ok();
}

/** LINSERT key BEFORE|AFTER pivot element */
function linsert(c: Client, argv: string[]): void {
  const where = argv[2]!.toUpperCase();
  if (where !== 'BEFORE' && where !== 'AFTER') throw new ReplyError(errors.syntax);
  const items = getList(c, argv[1]!);
  if (!items) {
    c.writer.integer(0);
    return;
  }
  const values = items.toArray();
  const at = values.indexOf(argv[3]!);
  if (at < 0) {
    c.writer.integer(-1);
    return;
  }
  values.splice(where === 'BEFORE' ? at : at + 1, 0, argv[4]!);
  items.replace(values);
  c.changed(argv[1]!, 'linsert', list);
  c.writer.integer(items.length);
}

/** LREM key count element: count > 0 from the head, < 0 from the tail, 0 all. */
function lrem(c: Client, argv: string[]): void {
  const count = intArg(argv[2]!);
  const element = argv[3]!;
  const items = getList(c, argv[1]!);
  if (!items) {
    c.writer.integer(0);
    return;
  }
  const limit = count === 0 ? Number.POSITIVE_INFINITY : Math.abs(count);
  if (limit <= FEW_REMOVALS) {
    // In place: a few removals (BullMQ's `LREM active -1 <job>`) move part of the list each,
    // where a rebuild copies all of it twice.
    const removed = removeInPlace(items, element, count, limit);
    if (removed > 0) {
      c.changed(argv[1]!, 'lrem', list);
      dropIfEmpty(c, argv[1]!, items.length);
    }
    c.writer.integer(removed);
    return;
  }
  const values = items.toArray();
  let removed = 0;
  if (count >= 0) {
    for (let i = 0; i < values.length && removed < limit; i++)
      if (values[i] === element) {
        values.splice(i--, 1);
        removed++;
      }
  } else {
    for (let i = values.length - 1; i >= 0 && removed < limit; i--)
      if (values[i] === element) {
        values.splice(i, 1);
        removed++;
      }
  }
  if (removed > 0) {
    items.replace(values);
    c.changed(argv[1]!, 'lrem', list);
    dropIfEmpty(c, argv[1]!, items.length);
  }
  c.writer.integer(removed);
}

/** Up to this many removals, LREM works in place (each O(distance to the nearer end)). */
const FEW_REMOVALS = 8;

/** LREM's matches removed from the head (count >= 0) or the tail (count < 0), up to `limit`. */
function removeInPlace(items: Deque<string>, element: string, count: number, limit: number): number {
  let removed = 0;
  if (count >= 0) {
    for (let i = 0; i < items.length && removed < limit; )
      if (items.at(i) === element) {
        items.removeAt(i);
        removed++;
      } else i++;
  } else {
    for (let i = items.length - 1; i >= 0 && removed < limit; i--)
      if (items.at(i) === element) {
        items.removeAt(i);
        removed++;
      }
  }
  return removed;
}

function ltrim(c: Client, argv: string[]): void {
  const start = intArg(argv[2]!);
  const stop = intArg(argv[3]!);
  const items = getList(c, argv[1]!);
  if (items) {
    const [from, to] = clampRange(start, stop, items.length);
    items.replace(from > to ? [] : items.slice(from, to));
    c.changed(argv[1]!, 'ltrim', list);
    dropIfEmpty(c, argv[1]!, items.length);
  }
  c.writer.ok();
}

/** LPOS key element [RANK rank] [COUNT num-matches] [MAXLEN len] */
function lpos(c: Client, argv: string[]): void {
  let rank = 1;
  let count: number | null = null;
  let maxlen = 0;
  for (let i = 3; i < argv.length; i += 2) {
    const option = argv[i]!.toUpperCase();
    const value = argv[i + 1];
    if (value === undefined) throw new ReplyError(errors.syntax);
    if (option === 'RANK') {
      rank = intArg(value);
      if (rank === 0)
        throw new ReplyError(
          "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list",
        );
    } else if (option === 'COUNT') {
      count = intArg(value);
      if (count < 0) throw new ReplyError("ERR COUNT can't be negative");
    } else if (option === 'MAXLEN') {
      maxlen = intArg(value);
      if (maxlen < 0) throw new ReplyError("ERR MAXLEN can't be negative");
    } else throw new ReplyError(errors.syntax);
  }
  const items = getList(c, argv[1]!);
  const matches: number[] = [];
  if (items) {
    const wanted = count === null ? 1 : count === 0 ? Number.POSITIVE_INFINITY : count;
    let skip = Math.abs(rank) - 1;
    const n = items.length;
    for (let step = 0; step < n && (maxlen === 0 || step < maxlen) && matches.length < wanted; step++) {
      const index = rank > 0 ? step : n - 1 - step;
      if (items.at(index) !== argv[2]) continue;
      if (skip > 0) skip--;
      else matches.push(index);
    }
  }
  if (count === null) {
    if (matches.length === 0) c.writer.nil();
    else c.writer.integer(matches[0]!);
    return;
  }
  c.writer.array(matches.length);
  for (const m of matches) c.writer.integer(m);
}

function endArg(text: string): End {
  if (is(text, 'LEFT')) return 'left';
  if (is(text, 'RIGHT')) return 'right';
  throw new ReplyError(errors.syntax);
}

/** Moves one element; returns it, or undefined when the source is empty. */
function moveElement(c: Client, source: string, destination: string, from: End, to: End): string | undefined {
  const items = getList(c, source);
  if (!items) return undefined;
  const target = getList(c, destination); // WRONGTYPE before popping anything
  const value = popFrom(c, source, items, from);
  const dest = target ?? listForWrite(c, destination);
  if (to === 'left') dest.pushFront(value);
  else dest.pushBack(value);
  c.changed(destination, to === 'left' ? 'lpush' : 'rpush', list);
  return value;
}

function lmove(c: Client, argv: string[]): void {
  const from = endArg(argv[3]!);
  const to = endArg(argv[4]!);
  c.writer.bulkOrNil(moveElement(c, argv[1]!, argv[2]!, from, to));
}

function rpoplpush(c: Client, argv: string[]): void {
  c.writer.bulkOrNil(moveElement(c, argv[1]!, argv[2]!, 'right', 'left'));
}

/** Parses `numkeys key... LEFT|RIGHT [COUNT n]` from argv[at]. */
function mpopArgs(argv: string[], at: number): { keys: string[]; end: End; count: number } {
  const numkeys = intArg(argv[at]!, errors.numkeysPositive);
  if (numkeys <= 0) throw new ReplyError(errors.numkeysPositive);
  if (at + 1 + numkeys >= argv.length) throw new ReplyError(errors.syntax);
  const keys = argv.slice(at + 1, at + 1 + numkeys);
  const end = endArg(argv[at + 1 + numkeys]!);
  let count = 1;
  let i = at + 2 + numkeys;
  if (i < argv.length) {
    if (!is(argv[i], 'COUNT') || i + 2 !== argv.length) throw new ReplyError(errors.syntax);
    count = intArg(argv[i + 1]!, errors.countPositive);
    if (count <= 0) throw new ReplyError(errors.countPositive);
    i += 2;
  }
  return { keys, end, count };
}

/** Pops up to count from the first non-empty key; writes [key, [elements]]. False if all empty. */
function mpop(c: Client, keys: string[], end: End, count: number): boolean {
  for (const key of keys) {
    const items = getList(c, key);
    if (!items) continue;
    const out: string[] = [];
    const n = Math.min(count, items.length);
    for (let i = 0; i < n; i++) out.push((end === 'left' ? items.popFront() : items.popBack())!);
    c.changed(key, end === 'left' ? 'lpop' : 'rpop', list);
    dropIfEmpty(c, key, items.length);
    c.propagateArgv = [end === 'left' ? 'lpop' : 'rpop', key, String(n)];
    c.writer.array(2);
    c.writer.bulk(key);
    c.writer.bulks(out);
    return true;
  }
  return false;
}

function lmpop(c: Client, argv: string[]): void {
  const { keys, end, count } = mpopArgs(argv, 1);
  if (!mpop(c, keys, end, count)) c.writer.nilArray();
}

/** BLPOP/BRPOP key [key ...] timeout */
function bpop(end: End) {
  return (c: Client, argv: string[]) => {
    const timeout = timeoutArg(argv[argv.length - 1]!);
    const keys = argv.slice(1, -1);
    for (const key of keys) {
      const items = getList(c, key);
      if (!items) continue;
      c.propagateArgv = [end === 'left' ? 'lpop' : 'rpop', key];
      c.writer.array(2);
      c.writer.bulk(key);
      c.writer.bulk(popFrom(c, key, items, end));
      return;
    }
    blockOr(c, argv, keys, timeout, nilArrayReply);
  };
}

function blmove(c: Client, argv: string[]): void {
  const from = endArg(argv[3]!);
  const to = endArg(argv[4]!);
  const timeout = timeoutArg(argv[5]!);
  const value = moveElement(c, argv[1]!, argv[2]!, from, to);
  if (value !== undefined) {
    c.propagateArgv = ['lmove', argv[1]!, argv[2]!, from, to];
    c.writer.bulk(value);
  } else blockOr(c, argv, [argv[1]!], timeout, nilReply);
}

function brpoplpush(c: Client, argv: string[]): void {
  const timeout = timeoutArg(argv[3]!);
  const value = moveElement(c, argv[1]!, argv[2]!, 'right', 'left');
  if (value !== undefined) {
    c.propagateArgv = ['rpoplpush', argv[1]!, argv[2]!];
    c.writer.bulk(value);
  } else blockOr(c, argv, [argv[1]!], timeout, nilReply);
}

/** BLMPOP timeout numkeys key [key ...] LEFT|RIGHT [COUNT count] */
function blmpop(c: Client, argv: string[]): void {
  const timeout = timeoutArg(argv[1]!);
  const { keys, end, count } = mpopArgs(argv, 2);
  if (!mpop(c, keys, end, count)) blockOr(c, argv, keys, timeout, nilArrayReply);
}

const W = ['write', 'denyoom'] as const;
const WF = ['write', 'denyoom', 'fast'] as const;
const one = [1, 1, 1] as const;

export const listCommands: CommandSpec[] = [
  command('lpush', -3, WF, one, push('left', false)),
  command('rpush', -3, WF, one, push('right', false)),
  command('lpushx', -3, WF, one, push('left', true)),
  command('rpushx', -3, WF, one, push('right', true)),
  command('lpop', -2, ['write', 'fast'], one, pop('left')),
  command('rpop', -2, ['write', 'fast'], one, pop('right')),
  command('llen', 2, ['readonly', 'fast'], one, llen),
  command('lrange', 4, ['readonly'], one, lrange),
  command('lindex', 3, ['readonly'], one, lindex),
  command('lset', 4, W, one, lset),
  command('linsert', 5, W, one, linsert),
  command('lrem', 4, ['write'], one, lrem),
  command('ltrim', 4, ['write'], one, ltrim),
  command('lpos', -3, ['readonly'], one, lpos),
  command('lmove', 5, W, [1, 2, 1], lmove),
  command('rpoplpush', 3, W, [1, 2, 1], rpoplpush),
  command('lmpop', -4, ['write'], null, lmpop, { keys: numkeysAt(1) }),
  command('blpop', -3, ['write', 'blocking'], [1, -2, 1], bpop('left')),
  command('brpop', -3, ['write', 'blocking'], [1, -2, 1], bpop('right')),
  command('blmove', 6, ['write', 'denyoom', 'blocking'], [1, 2, 1], blmove),
  command('brpoplpush', 4, ['write', 'denyoom', 'blocking'], [1, 2, 1], brpoplpush),
  command('blmpop', -5, ['write', 'blocking'], null, blmpop, { keys: numkeysAt(2) }),
];
