import { errors, ReplyError } from '../errors.js';
import { formatDouble } from '../protocol/writer.js';
import type { Client } from '../server/client.js';
import { notifyClass } from '../server/notify.js';
import { LEX_MAX, LEX_MIN, type LexRange, type ScoreRange, type SkipNode } from '../types/skiplist.js';
import { SortedSet } from '../types/zset.js';
import { clampRange, intArg, is, parseDouble, timeoutArg } from './args.js';
import { blockOr, nilArrayReply } from './blocking.js';
import { type CommandSpec, command, numkeysAt } from './command.js';
import { randomMembers } from './hashes.js';
import { dropIfEmpty, getSet, getZset, removeMembers, zsetForWrite } from './lookup.js';
import { matches, replyScan, scanOptions, scanStep } from './scan.js';

/** Sorted sets (t_zset.c): a Map for scores plus a skip list for order and rank. */

const zset = notifyClass.zset;

function scoreArg(text: string): number {
  const score = parseDouble(text);
  if (score === undefined || Number.isNaN(score)) throw new ReplyError(errors.notFloat);
  return score;
}

/** Parses `1.5`, `(1.5`, `-inf`, `+inf` into a range bound. */
function scoreBound(text: string): { value: number; exclusive: boolean } {
  const exclusive = text.startsWith('(');
  const value = parseDouble(exclusive ? text.slice(1) : text);
  if (value === undefined || Number.isNaN(value)) throw new ReplyError(errors.minMaxNotFloat);
  return { value, exclusive };
}

function scoreRange(minText: string, maxText: string): ScoreRange {
  const min = scoreBound(minText);
  const max = scoreBound(maxText);
  return { min: min.value, max: max.value, minExclusive: min.exclusive, maxExclusive: max.exclusive };
}

function lexBound(text: string): { value: string | typeof LEX_MIN | typeof LEX_MAX; exclusive: boolean } {
  if (text === '-') return { value: LEX_MIN, exclusive: false };
  if (text === '+') return { value: LEX_MAX, exclusive: false };
  if (text.startsWith('[')) return { value: text.slice(1), exclusive: false };
  if (text.startsWith('(')) return { value: text.slice(1), exclusive: true };
  throw new ReplyError(errors.minMaxLex);
}

function lexRange(minText: string, maxText: string): LexRange {
  const min = lexBound(minText);
  const max = lexBound(maxText);
  return { min: min.value, max: max.value, minExclusive: min.exclusive, maxExclusive: max.exclusive };
}

/** Members, optionally with scores: flat in RESP2, [member, score] pairs in RESP3. */
function writeScored(c: Client, nodes: { member: string; score: number }[], withScores: boolean): void {
  const w = c.writer;
  if (!withScores) {
    w.array(nodes.length);
    for (const node of nodes) w.bulk(node.member);
    return;
  }
  if (c.protocol === 3) {
    w.array(nodes.length);
    for (const node of nodes) {
      w.array(2);
      w.bulk(node.member);
      w.double(node.score);
    }
    return;
  }
  w.array(nodes.length * 2);
  for (const node of nodes) {
    w.bulk(node.member);
    w.bulk(formatDouble(node.score));
  }
}

const isLetter = (code: number) => (code | 0x20) >= 97 && (code | 0x20) <= 122;

/** ZADD key [NX | XX] [GT | LT] [CH] [INCR] score member [score member ...] */
function zadd(c: Client, argv: string[]): void {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = false;
  let i = 2;
  for (; i < argv.length; i++) {
    // Options are words; a score (digits, sign, '(' or "inf") ends them without upper-casing it.
    if (!isLetter(argv[i]!.charCodeAt(0))) break;
    const option = argv[i]!.toUpperCase();
    if (option === 'NX') nx = true;
    else if (option === 'XX') xx = true;
    else if (option === 'GT') gt = true;
    else if (option === 'LT') lt = true;
    else if (option === 'CH') ch = true;
    else if (option === 'INCR') incr = true;
    else break;
  }
  const pairs = argv.length - i;
  if (pairs === 0 || pairs % 2 !== 0) throw new ReplyError(errors.syntax);
  if (nx && xx) throw new ReplyError(errors.zaddNxXx);
  if ((gt && nx) || (lt && nx) || (gt && lt)) throw new ReplyError(errors.zaddGtLtNx);
  if (incr && pairs > 2) throw new ReplyError(errors.zaddIncrPair);
  const scores: number[] = [];
  for (let j = i; j < argv.length; j += 2) scores.push(scoreArg(argv[j]!));
  const key = argv[1]!;
  const existing = getZset(c, key);
  if (!existing && xx) {
    if (incr) c.writer.nil();
    else c.writer.integer(0);
    return;
  }
  const members = existing ?? zsetForWrite(c, key);
  let added = 0;
  let updated = 0;
  let result: number | null = null;
  for (let j = 0; j < scores.length; j++) {
    const member = argv[i + j * 2 + 1]!;
    let score = scores[j]!;
    const old = members.scores.get(member);
    if (old === undefined) {
      if (xx) continue;
      if (incr && Number.isNaN(score)) throw new ReplyError(errors.resultNaN);
      members.set(member, score);
      added++;
      result = score;
      continue;
    }
    if (nx) continue;
    if (incr) {
      score = old + score;
      if (Number.isNaN(score)) throw new ReplyError(errors.resultNaN);
    }
    if ((gt && score <= old) || (lt && score >= old)) continue;
    result = score;
    if (score !== old) {
      members.set(member, score);
      updated++;
    }
  }
  if (members.size === 0) c.db.delete(key);
  if (added + updated > 0) c.changed(key, incr ? 'zincr' : 'zadd', zset);
  if (incr) {
    if (result === null) c.writer.nil();
    else c.writer.double(result);
    if (result !== null) c.propagateArgv = ['zadd', key, formatDouble(result), argv[argv.length - 1]!];
  } else c.writer.integer(ch ? added + updated : added);
}

function zincrby(c: Client, argv: string[]): void {
  const delta = scoreArg(argv[2]!);
  const members = zsetForWrite(c, argv[1]!);
  const score = (members.scores.get(argv[3]!) ?? 0) + delta;
  if (Number.isNaN(score)) {
    dropIfEmpty(c, argv[1]!, members.size);
    throw new ReplyError(errors.resultNaN);
  }
  members.set(argv[3]!, score);
  c.changed(argv[1]!, 'zincr', zset);
  c.propagateArgv = ['zadd', argv[1]!, formatDouble(score), argv[3]!];
  c.writer.double(score);
}

function zrem(c: Client, argv: string[]): void {
  removeMembers(c, argv, getZset(c, argv[1]!), 'zrem', zset);
}

function zscore(c: Client, argv: string[]): void {
  const score = getZset(c, argv[1]!)?.scores.get(argv[2]!);
  if (score === undefined) c.writer.nil();
  else c.writer.double(score);
}

function zmscore(c: Client, argv: string[]): void {
  const members = getZset(c, argv[1]!);
  c.writer.array(argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const score = members?.scores.get(argv[i]!);
    if (score === undefined) c.writer.nil();
    else c.writer.double(score);
  }
}

function zcard(c: Client, argv: string[]): void {
  c.writer.integer(getZset(c, argv[1]!)?.size ?? 0);
}

function zcount(c: Client, argv: string[]): void {
  const range = scoreRange(argv[2]!, argv[3]!);
  const members = getZset(c, argv[1]!);
  if (!members) {
    c.writer.integer(0);
    return;
  }
  const first = members.list.firstInRange(range);
  const last = members.list.lastInRange(range);
  if (!first || !last) {
    c.writer.integer(0);
    return;
  }
  c.writer.integer(
    members.list.rank(last.score, last.member) - members.list.rank(first.score, first.member) + 1,
  );
}

function zlexcount(c: Client, argv: string[]): void {
  const range = lexRange(argv[2]!, argv[3]!);
  const members = getZset(c, argv[1]!);
  const first = members?.list.firstInLex(range);
  const last = members?.list.lastInLex(range);
  if (!members || !first || !last) {
    c.writer.integer(0);
    return;
  }
  c.writer.integer(
    members.list.rank(last.score, last.member) - members.list.rank(first.score, first.member) + 1,
  );
}

type RangeKind = 'rank' | 'score' | 'lex';

interface RangeQuery {
  kind: RangeKind;
  reverse: boolean;
  withScores: boolean;
  offset: number;
  limit: number;
  start: string;
  stop: string;
}

/** Selects the nodes of a range query (shared by ZRANGE and its legacy forms and ZRANGESTORE). */
function selectRange(members: SortedSet, q: RangeQuery): SkipNode[] {
  if (q.kind === 'rank') {
    const [from, to] = clampRange(intArg(q.start), intArg(q.stop), members.size);
    return from > to ? [] : members.rangeByRank(from, to, q.reverse);
  }
  // In reverse the first bound given is the maximum.
  const [min, max] = q.reverse ? [q.stop, q.start] : [q.start, q.stop];
  if (q.kind === 'score') return members.rangeByScore(scoreRange(min, max), q.reverse, q.offset, q.limit);
  return members.rangeByLex(lexRange(min, max), q.reverse, q.offset, q.limit);
}

/** Parses options after `key start stop` from argv[at]. */
function rangeQuery(
  argv: string[],
  at: number,
  kind: RangeKind,
  reverse: boolean,
  generic: boolean,
): RangeQuery {
  const q: RangeQuery = {
    kind,
    reverse,
    withScores: false,
    offset: 0,
    limit: -1,
    start: argv[at - 2]!,
    stop: argv[at - 1]!,
  };
  let hasLimit = false;
  for (let i = at; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    if (option === 'WITHSCORES' && kind !== 'lex') q.withScores = true;
    else if (option === 'WITHSCORES' && generic) q.withScores = true;
    else if (option === 'LIMIT' && i + 2 < argv.length) {
      q.offset = intArg(argv[i + 1]!);
      q.limit = intArg(argv[i + 2]!);
      hasLimit = true;
      i += 2;
    } else if (generic && option === 'BYSCORE' && q.kind === 'rank') q.kind = 'score';
    else if (generic && option === 'BYLEX' && q.kind === 'rank') q.kind = 'lex';
    else if (generic && option === 'REV') q.reverse = true;
    else throw new ReplyError(errors.syntax);
  }
  if (hasLimit && q.kind === 'rank')
    throw new ReplyError(
      'ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX',
    );
  if (q.withScores && q.kind === 'lex')
    throw new ReplyError('ERR syntax error, WITHSCORES not supported in combination with BYLEX');
  if (q.offset < 0) q.limit = 0;
  return q;
}

function zrangeGeneric(kind: RangeKind, reverse: boolean, generic: boolean) {
  return (c: Client, argv: string[]) => {
    const q = rangeQuery(argv, 4, kind, reverse, generic);
    const members = getZset(c, argv[1]!);
    // Bounds are validated even when the key is missing.
    writeScored(c, selectRange(members ?? new SortedSet(), q), q.withScores);
  };
}

/** ZRANGESTORE dst src min max [BYSCORE | BYLEX] [REV] [LIMIT offset count] */
function zrangestore(c: Client, argv: string[]): void {
  const q = rangeQuery(argv.slice(1), 4, 'rank', false, true);
  if (q.withScores) throw new ReplyError(errors.syntax);
  const source = getZset(c, argv[2]!);
  const nodes = source ? selectRange(source, q) : [];
  storeResult(
    c,
    argv[1]!,
    nodes.map((n) => [n.member, n.score]),
    'zrangestore',
  );
}

function storeResult(c: Client, destination: string, entries: [string, number][], event: string): void {
  const existed = c.db.delete(destination);
  if (entries.length > 0) {
    const result = new SortedSet();
    for (const [member, score] of entries) result.set(member, score);
    c.db.set(destination, result);
    c.changed(destination, event, zset);
  } else if (existed) c.changed(destination, 'del', notifyClass.generic);
  c.writer.integer(entries.length);
}

/** ZRANK/ZREVRANK key member [WITHSCORE] */
function zrank(reverse: boolean) {
  return (c: Client, argv: string[]) => {
    if (argv.length > 4 || (argv.length === 4 && !is(argv[3], 'WITHSCORE')))
      throw new ReplyError(errors.syntax);
    const members = getZset(c, argv[1]!);
    const rank = members?.rank(argv[2]!, reverse);
    if (rank === undefined) {
      if (argv.length === 4) c.writer.nilArray();
      else c.writer.nil();
      return;
    }
    if (argv.length === 4) {
      c.writer.array(2);
      c.writer.integer(rank);
      c.writer.double(members!.scores.get(argv[2]!)!);
    } else c.writer.integer(rank);
  };
}

/** Pops `count` lowest (or highest) members of a sorted set. */
function popNodes(c: Client, key: string, members: SortedSet, count: number, max: boolean): SkipNode[] {
  const n = Math.min(count, members.size);
  const nodes = members.rangeByRank(0, n - 1, max);
  for (const node of nodes) members.delete(node.member);
  if (nodes.length > 0) {
    c.changed(key, max ? 'zpopmax' : 'zpopmin', zset);
    dropIfEmpty(c, key, members.size);
    c.propagateArgv = ['zrem', key, ...nodes.map((node) => node.member)];
  }
  return nodes;
}

function zpop(max: boolean) {
  return (c: Client, argv: string[]) => {
    if (argv.length > 3) throw new ReplyError(errors.syntax);
    let count = 1;
    if (argv.length === 3) {
      count = intArg(argv[2]!, errors.positive('value'));
      if (count < 0) throw new ReplyError(errors.positive('value'));
    }
    const members = getZset(c, argv[1]!);
    const nodes = members ? popNodes(c, argv[1]!, members, count, max) : [];
    if (argv.length === 3 && c.protocol === 3) writeScored(c, nodes, true);
    else {
      c.writer.array(nodes.length * 2);
      for (const node of nodes) {
        c.writer.bulk(node.member);
        c.writer.double(node.score);
      }
    }
  };
}

/** BZPOPMIN/BZPOPMAX key [key ...] timeout → [key, member, score] */
function bzpop(max: boolean) {
  return (c: Client, argv: string[]) => {
    const timeout = timeoutArg(argv[argv.length - 1]!);
    const keys = argv.slice(1, -1);
    for (const key of keys) {
      const members = getZset(c, key);
      if (!members) continue;
      const [node] = popNodes(c, key, members, 1, max);
      c.writer.array(3);
      c.writer.bulk(key);
      c.writer.bulk(node!.member);
      c.writer.double(node!.score);
      return;
    }
    blockOr(c, argv, keys, timeout, nilArrayReply);
  };
}

/** Parses `numkeys key... MIN|MAX [COUNT n]` from argv[at]. */
function zmpopArgs(argv: string[], at: number): { keys: string[]; max: boolean; count: number } {
  const numkeys = intArg(argv[at]!, errors.numkeysPositive);
  if (numkeys <= 0) throw new ReplyError(errors.numkeysPositive);
  if (at + 1 + numkeys >= argv.length) throw new ReplyError(errors.syntax);
  const keys = argv.slice(at + 1, at + 1 + numkeys);
  const where = argv[at + 1 + numkeys]!.toUpperCase();
  if (where !== 'MIN' && where !== 'MAX') throw new ReplyError(errors.syntax);
  let count = 1;
  const rest = argv.slice(at + 2 + numkeys);
  if (rest.length > 0) {
    if (rest.length !== 2 || !is(rest[0], 'COUNT')) throw new ReplyError(errors.syntax);
    count = intArg(rest[1]!, errors.countPositive);
    if (count <= 0) throw new ReplyError(errors.countPositive);
  }
  return { keys, max: where === 'MAX', count };
}

function zmpopServe(c: Client, keys: string[], max: boolean, count: number): boolean {
  for (const key of keys) {
    const members = getZset(c, key);
    if (!members) continue;
    const nodes = popNodes(c, key, members, count, max);
    c.writer.array(2);
    c.writer.bulk(key);
    c.writer.array(nodes.length);
    for (const node of nodes) {
      c.writer.array(2);
      c.writer.bulk(node.member);
      c.writer.double(node.score);
    }
    return true;
  }
  return false;
}

function zmpop(c: Client, argv: string[]): void {
  const { keys, max, count } = zmpopArgs(argv, 1);
  if (!zmpopServe(c, keys, max, count)) c.writer.nilArray();
}

function bzmpop(c: Client, argv: string[]): void {
  const timeout = timeoutArg(argv[1]!);
  const { keys, max, count } = zmpopArgs(argv, 2);
  if (!zmpopServe(c, keys, max, count)) blockOr(c, argv, keys, timeout, nilArrayReply);
}

function zrandmember(c: Client, argv: string[]): void {
  const members = getZset(c, argv[1]!);
  if (argv.length === 2) {
    c.writer.bulkOrNil(members ? randomMembers([...members.scores.keys()], 1)[0] : undefined);
    return;
  }
  const withScores = argv.length === 4 && is(argv[3], 'WITHSCORES');
  if (argv.length > 4 || (argv.length === 4 && !withScores)) throw new ReplyError(errors.syntax);
  const picked = randomMembers(members ? [...members.scores.keys()] : [], intArg(argv[2]!));
  writeScored(
    c,
    picked.map((member) => ({ member, score: members!.scores.get(member)! })),
    withScores,
  );
}

function zremrange(kind: RangeKind) {
  return (c: Client, argv: string[]) => {
    const members = getZset(c, argv[1]!);
    const q: RangeQuery = {
      kind,
      reverse: false,
      withScores: false,
      offset: 0,
      limit: -1,
      start: argv[2]!,
      stop: argv[3]!,
    };
    // Bounds are validated even when the key is missing, so a bad range is always an error.
    const nodes = selectRange(members ?? new SortedSet(), q);
    if (!members) {
      c.writer.integer(0);
      return;
    }
    for (const node of nodes) members.delete(node.member);
    if (nodes.length > 0) {
      c.changed(argv[1]!, `zremrangeby${kind}`, zset);
      dropIfEmpty(c, argv[1]!, members.size);
    }
    c.writer.integer(nodes.length);
  };
}

type Aggregate = 'sum' | 'min' | 'max';
type ZAlgebra = 'union' | 'inter' | 'diff';

/** Reads a sorted set or a plain set (members scored 1) for ZUNION/ZINTER/ZDIFF. */
function scoresOf(c: Client, key: string): Map<string, number> {
  const value = c.db.get(key);
  if (value === undefined) return new Map();
  if (value instanceof SortedSet) return value.scores;
  const plain = getSet(c, key)!;
  return new Map([...plain].map((m) => [m, 1]));
}

function aggregate(a: number, b: number, how: Aggregate): number {
  if (how === 'min') return Math.min(a, b);
  if (how === 'max') return Math.max(a, b);
  const sum = a + b;
  return Number.isNaN(sum) ? 0 : sum; // inf + -inf is 0 in Redis
}

/** Parses `numkeys key... [WEIGHTS w...] [AGGREGATE how] [WITHSCORES]` and computes the result. */
function zalgebra(c: Client, argv: string[], at: number, op: ZAlgebra, allowWithScores: boolean) {
  const numkeys = intArg(argv[at]!);
  if (numkeys < 1) throw new ReplyError(errors.numkeysZero(argv[0]!.toLowerCase()));
  if (at + numkeys >= argv.length) throw new ReplyError(errors.syntax);
  const keys = argv.slice(at + 1, at + 1 + numkeys);
  const weights = keys.map(() => 1);
  let how: Aggregate = 'sum';
  let withScores = false;
  for (let i = at + 1 + numkeys; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    if (option === 'WEIGHTS' && op !== 'diff' && i + numkeys < argv.length) {
      for (let j = 0; j < numkeys; j++) {
        const weight = parseDouble(argv[i + 1 + j]!);
        if (weight === undefined) throw new ReplyError('ERR weight value is not a float');
        weights[j] = weight;
      }
      i += numkeys;
    } else if (option === 'AGGREGATE' && op !== 'diff' && i + 1 < argv.length) {
      const value = argv[++i]!.toLowerCase();
      if (value !== 'sum' && value !== 'min' && value !== 'max') throw new ReplyError(errors.syntax);
      how = value;
    } else if (option === 'WITHSCORES' && allowWithScores) withScores = true;
    else throw new ReplyError(errors.syntax);
  }
  const inputs = keys.map((key) => scoresOf(c, key));
  const weighted = (score: number, j: number) => {
    const value = score * weights[j]!;
    return Number.isNaN(value) ? 0 : value;
  };
  const result = new Map<string, number>();
  if (op === 'union') {
    inputs.forEach((input, j) => {
      for (const [member, score] of input) {
        const value = weighted(score, j);
        const old = result.get(member);
        result.set(member, old === undefined ? value : aggregate(old, value, how));
      }
    });
  } else if (op === 'inter') {
    const [first, ...rest] = inputs;
    outer: for (const [member, score] of first!) {
      let value = weighted(score, 0);
      for (let j = 0; j < rest.length; j++) {
        const other = rest[j]!.get(member);
        if (other === undefined) continue outer;
        value = aggregate(value, weighted(other, j + 1), how);
      }
      result.set(member, value);
    }
  } else {
    const [first, ...rest] = inputs;
    for (const [member, score] of first!) if (!rest.some((r) => r.has(member))) result.set(member, score);
  }
  const entries = [...result].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { entries, withScores };
}

function zalgebraReply(op: ZAlgebra) {
  return (c: Client, argv: string[]) => {
    const { entries, withScores } = zalgebra(c, argv, 1, op, true);
    writeScored(
      c,
      entries.map(([member, score]) => ({ member, score })),
      withScores,
    );
  };
}

function zalgebraStore(op: ZAlgebra) {
  return (c: Client, argv: string[]) => {
    const { entries } = zalgebra(c, argv, 2, op, false);
    storeResult(c, argv[1]!, entries, `z${op}store`);
  };
}

function zintercard(c: Client, argv: string[]): void {
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
  const inputs = argv.slice(2, 2 + numkeys).map((key) => scoresOf(c, key));
  inputs.sort((a, b) => a.size - b.size);
  let count = 0;
  outer: for (const member of inputs[0]!.keys()) {
    for (let j = 1; j < inputs.length; j++) if (!inputs[j]!.has(member)) continue outer;
    count++;
    if (limit > 0 && count >= limit) break;
  }
  c.writer.integer(count);
}

function zscan(c: Client, argv: string[]): void {
  const options = scanOptions(argv, 2, false, true);
  const members = getZset(c, argv[1]!);
  if (!members) {
    replyScan(c, 0, []);
    return;
  }
  const { next, items } = scanStep(options, members.size, () => members.scores.keys());
  const out: string[] = [];
  for (const member of items) {
    const score = members.scores.get(member);
    if (score === undefined || !matches(options, member)) continue;
    out.push(member);
    if (!options.noValues) out.push(formatDouble(score));
  }
  replyScan(c, next, out);
}

const WF = ['write', 'denyoom', 'fast'] as const;
const RF = ['readonly', 'fast'] as const;
const R = ['readonly'] as const;
const one = [1, 1, 1] as const;

export const zsetCommands: CommandSpec[] = [
  command('zadd', -4, WF, one, zadd),
  command('zincrby', 4, WF, one, zincrby),
  command('zrem', -3, ['write', 'fast'], one, zrem),
  command('zscore', 3, RF, one, zscore),
  command('zmscore', -3, RF, one, zmscore),
  command('zcard', 2, RF, one, zcard),
  command('zcount', 4, RF, one, zcount),
  command('zlexcount', 4, RF, one, zlexcount),
  command('zrange', -4, R, one, zrangeGeneric('rank', false, true)),
  command('zrevrange', -4, R, one, zrangeGeneric('rank', true, false)),
  command('zrangebyscore', -4, R, one, zrangeGeneric('score', false, false)),
  command('zrevrangebyscore', -4, R, one, zrangeGeneric('score', true, false)),
  command('zrangebylex', -4, R, one, zrangeGeneric('lex', false, false)),
  command('zrevrangebylex', -4, R, one, zrangeGeneric('lex', true, false)),
  command('zrangestore', -5, ['write', 'denyoom'], [1, 2, 1], zrangestore),
  command('zrank', -3, RF, one, zrank(false)),
  command('zrevrank', -3, RF, one, zrank(true)),
  command('zpopmin', -2, ['write', 'fast'], one, zpop(false)),
  command('zpopmax', -2, ['write', 'fast'], one, zpop(true)),
  command('bzpopmin', -3, ['write', 'fast', 'blocking'], [1, -2, 1], bzpop(false)),
  command('bzpopmax', -3, ['write', 'fast', 'blocking'], [1, -2, 1], bzpop(true)),
  command('zmpop', -4, ['write'], null, zmpop, { keys: numkeysAt(1) }),
  command('bzmpop', -5, ['write', 'blocking'], null, bzmpop, { keys: numkeysAt(2) }),
  command('zrandmember', -2, R, one, zrandmember),
  command('zremrangebyrank', 4, ['write'], one, zremrange('rank')),
  command('zremrangebyscore', 4, ['write'], one, zremrange('score')),
  command('zremrangebylex', 4, ['write'], one, zremrange('lex')),
  command('zunion', -3, R, null, zalgebraReply('union'), { keys: numkeysAt(1) }),
  command('zinter', -3, R, null, zalgebraReply('inter'), { keys: numkeysAt(1) }),
  command('zdiff', -3, R, null, zalgebraReply('diff'), { keys: numkeysAt(1) }),
  command('zunionstore', -4, ['write', 'denyoom'], null, zalgebraStore('union'), {
    keys: (a) => [1, ...numkeysAt(2)(a)],
  }),
  command('zinterstore', -4, ['write', 'denyoom'], null, zalgebraStore('inter'), {
    keys: (a) => [1, ...numkeysAt(2)(a)],
  }),
  command('zdiffstore', -4, ['write', 'denyoom'], null, zalgebraStore('diff'), {
    keys: (a) => [1, ...numkeysAt(2)(a)],
  }),
  command('zintercard', -3, R, null, zintercard, { keys: numkeysAt(1) }),
  command('zscan', -3, R, one, zscan),
];
