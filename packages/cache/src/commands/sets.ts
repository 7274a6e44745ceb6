import { errors, ReplyError } from '../errors.js';
import type { Client } from '../server/client.js';
import { notifyClass } from '../server/notify.js';
import { intArg, is } from './args.js';
import { type CommandSpec, command, numkeysAt } from './command.js';
import { randomMembers } from './hashes.js';
import { dropIfEmpty, getSet, removeMembers, setForWrite } from './lookup.js';
import { matches, replyScan, scanOptions, scanStep } from './scan.js';

/** Sets (t_set.c) on a JS Set. */

const set = notifyClass.set;
const EMPTY: ReadonlySet<string> = new Set();

function sadd(c: Client, argv: string[]): void {
  const members = setForWrite(c, argv[1]!);
  const before = members.size;
  for (let i = 2; i < argv.length; i++) members.add(argv[i]!);
  const added = members.size - before;
  if (added > 0) c.changed(argv[1]!, 'sadd', set);
  c.writer.integer(added);
}

function srem(c: Client, argv: string[]): void {
  removeMembers(c, argv, getSet(c, argv[1]!), 'srem', set);
}

function smembers(c: Client, argv: string[]): void {
  const members = getSet(c, argv[1]!) ?? EMPTY;
  c.writer.set(members.size);
  for (const member of members) c.writer.bulk(member);
}

function sismember(c: Client, argv: string[]): void {
  c.writer.integer(getSet(c, argv[1]!)?.has(argv[2]!) ? 1 : 0);
}

function smismember(c: Client, argv: string[]): void {
  const members = getSet(c, argv[1]!);
  c.writer.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) c.writer.integer(members?.has(argv[i]!) ? 1 : 0);
}

function scard(c: Client, argv: string[]): void {
  c.writer.integer(getSet(c, argv[1]!)?.size ?? 0);
}

/** SPOP key [count]: propagated as SREM of what was popped, so replay is deterministic. */
function spop(c: Client, argv: string[]): void {
  if (argv.length > 3) throw new ReplyError(errors.syntax);
  const count = argv.length === 3 ? intArg(argv[2]!, errors.positive('value')) : null;
  if (count !== null && count < 0) throw new ReplyError(errors.positive('value'));
  const members = getSet(c, argv[1]!);
  if (!members) {
    if (count === null) c.writer.nil();
    else c.writer.set(0);
    return;
  }
  const popped = randomMembers([...members], count ?? 1);
  for (const member of popped) members.delete(member);
  if (popped.length > 0) {
    c.changed(argv[1]!, 'spop', set);
    dropIfEmpty(c, argv[1]!, members.size);
    c.propagateArgv = ['srem', argv[1]!, ...popped];
  }
  if (count === null) c.writer.bulk(popped[0]!);
  else {
    c.writer.set(popped.length);
    for (const member of popped) c.writer.bulk(member);
  }
}

function srandmember(c: Client, argv: string[]): void {
  if (argv.length > 3) throw new ReplyError(errors.syntax);
  const members = getSet(c, argv[1]!);
  if (argv.length === 2) {
    c.writer.bulkOrNil(members ? randomMembers([...members], 1)[0] : undefined);
    return;
  }
  c.writer.bulks(randomMembers(members ? [...members] : [], intArg(argv[2]!)));
}

function smove(c: Client, argv: string[]): void {
  const [, source, destination, member] = argv as [string, string, string, string];
  const from = getSet(c, source);
  const to = getSet(c, destination); // WRONGTYPE on the destination before changing anything
  if (!from?.has(member)) {
    c.writer.integer(0);
    return;
  }
  if (source === destination) {
    c.writer.integer(1);
    return;
  }
  from.delete(member);
  c.changed(source, 'srem', set);
  dropIfEmpty(c, source, from.size);
  (to ?? setForWrite(c, destination)).add(member);
  c.changed(destination, 'sadd', set);
  c.writer.integer(1);
}

type Algebra = 'inter' | 'union' | 'diff';

/** Computes SINTER/SUNION/SDIFF over keys (missing keys are empty sets). */
function combine(c: Client, keys: string[], op: Algebra, limit = 0): Set<string> {
  const sets = keys.map((key) => getSet(c, key) ?? EMPTY);
  if (op === 'union') {
    const out = new Set<string>();
    for (const s of sets) for (const m of s) out.add(m);
    return out;
  }
  if (op === 'diff') {
    const out = new Set(sets[0]);
    for (let i = 1; i < sets.length && out.size > 0; i++) for (const m of sets[i]!) out.delete(m);
    return out;
  }
  // Intersection: iterate the smallest set, as Redis does.
  const ordered = [...sets].sort((a, b) => a.size - b.size);
  const out = new Set<string>();
  if (ordered[0]!.size === 0) return out;
  outer: for (const m of ordered[0]!) {
    for (let i = 1; i < ordered.length; i++) if (!ordered[i]!.has(m)) continue outer;
    out.add(m);
    if (limit > 0 && out.size >= limit) break;
  }
  return out;
}

function algebra(op: Algebra) {
  return (c: Client, argv: string[]) => {
    const result = combine(c, argv.slice(1), op);
    c.writer.set(result.size);
    for (const m of result) c.writer.bulk(m);
  };
}

function algebraStore(op: Algebra) {
  return (c: Client, argv: string[]) => {
    const destination = argv[1]!;
    const result = combine(c, argv.slice(2), op);
    const existed = c.db.delete(destination);
    if (result.size > 0) {
      c.db.set(destination, result);
      c.changed(destination, `s${op}store`, set);
    } else if (existed) c.changed(destination, 'del', notifyClass.generic);
    c.writer.integer(result.size);
  };
}

/** SINTERCARD numkeys key [key ...] [LIMIT limit] */
function sintercard(c: Client, argv: string[]): void {
  const numkeys = intArg(argv[1]!, errors.numkeysPositive);
  if (numkeys <= 0) throw new ReplyError(errors.numkeysPositive);
  if (numkeys > argv.length - 2) throw new ReplyError(errors.numkeysLarge);
  let limit = 0;
  const rest = argv.slice(2 + numkeys);
  if (rest.length > 0) {
    if (rest.length !== 2 || !is(rest[0], 'LIMIT')) throw new ReplyError(errors.syntax);
    limit = intArg(rest[1]!);
    if (limit < 0) throw new ReplyError("ERR LIMIT can't be negative");
  }
  c.writer.integer(combine(c, argv.slice(2, 2 + numkeys), 'inter', limit).size);
}

function sscan(c: Client, argv: string[]): void {
  const options = scanOptions(argv, 2, false);
  const members = getSet(c, argv[1]!);
  if (!members) {
    replyScan(c, 0, []);
    return;
  }
  const { next, items } = scanStep(options, members.size, () => members.values());
  replyScan(
    c,
    next,
    items.filter((m) => members.has(m) && matches(options, m)),
  );
}

const WF = ['write', 'denyoom', 'fast'] as const;
const RF = ['readonly', 'fast'] as const;
const one = [1, 1, 1] as const;
const all = [1, -1, 1] as const;
const store = [1, -1, 1] as const;

export const setCommands: CommandSpec[] = [
  command('sadd', -3, WF, one, sadd),
  command('srem', -3, ['write', 'fast'], one, srem),
  command('smembers', 2, ['readonly'], one, smembers),
  command('sismember', 3, RF, one, sismember),
  command('smismember', -3, RF, one, smismember),
  command('scard', 2, RF, one, scard),
  command('spop', -2, ['write', 'fast'], one, spop),
  command('srandmember', -2, ['readonly'], one, srandmember),
  command('smove', 4, ['write', 'fast'], [1, 2, 1], smove),
  command('sinter', -2, ['readonly'], all, algebra('inter')),
  command('sunion', -2, ['readonly'], all, algebra('union')),
  command('sdiff', -2, ['readonly'], all, algebra('diff')),
  command('sinterstore', -3, ['write', 'denyoom'], store, algebraStore('inter')),
  command('sunionstore', -3, ['write', 'denyoom'], store, algebraStore('union')),
  command('sdiffstore', -3, ['write', 'denyoom'], store, algebraStore('diff')),
  command('sintercard', -3, ['readonly'], null, sintercard, { keys: numkeysAt(1) }),
  command('sscan', -3, ['readonly'], one, sscan),
];
