import { errors, ReplyError } from '../errors.js';
import { internName } from '../keyspace/intern.js';
import type { Client } from '../server/client.js';
import { notifyClass } from '../server/notify.js';
import {
  type Consumer,
  type ConsumerGroup,
  compareIds,
  formatId,
  MAX_ID,
  MIN_ID,
  Stream,
  type StreamEntry,
  type StreamId,
} from '../types/stream.js';
import { intArg, is, parseInt64 } from './args.js';
import { blockOr, nilArrayReply } from './blocking.js';
import { type CommandSpec, command } from './command.js';
import { getStream } from './lookup.js';

/** Streams (t_stream.c): XADD/XRANGE/XREAD and consumer groups. */

const stream = notifyClass.stream;

/** Parses `ms-seq` or `ms` (seq = missingSeq). */
function parseId(text: string, missingSeq = 0): StreamId | undefined {
  const dash = text.indexOf('-');
  const msText = dash < 0 ? text : text.slice(0, dash);
  const seqText = dash < 0 ? null : text.slice(dash + 1);
  if (!/^\d+$/.test(msText) || (seqText !== null && !/^\d+$/.test(seqText))) return undefined;
  const ms = Number(msText);
  const seq = seqText === null ? missingSeq : Number(seqText);
  if (!Number.isSafeInteger(ms) || !Number.isSafeInteger(seq)) return undefined;
  return { ms, seq };
}

function idArg(text: string, missingSeq = 0): StreamId {
  const id = parseId(text, missingSeq);
  if (!id) throw new ReplyError(errors.streamId);
  return id;
}

/** Range bounds: `-`, `+`, `id`, and `(id` for exclusive (XRANGE). */
function rangeBound(text: string, isStart: boolean): StreamId | null {
  if (text === '-') return MIN_ID;
  if (text === '+') return MAX_ID;
  const exclusive = text.startsWith('(');
  let id = idArg(exclusive ? text.slice(1) : text, isStart ? 0 : Number.MAX_SAFE_INTEGER);
  if (exclusive) {
    if (isStart) {
      if (compareIds(id, MAX_ID) === 0) return null;
      id = id.seq === Number.MAX_SAFE_INTEGER ? { ms: id.ms + 1, seq: 0 } : { ms: id.ms, seq: id.seq + 1 };
    } else {
      if (compareIds(id, MIN_ID) === 0) return null;
      id = id.seq === 0 ? { ms: id.ms - 1, seq: Number.MAX_SAFE_INTEGER } : { ms: id.ms, seq: id.seq - 1 };
    }
  }
  return id;
}

function writeEntry(c: Client, entry: StreamEntry): void {
  c.writer.array(2);
  c.writer.bulk(formatId(entry.id));
  c.writer.bulks(entry.fields);
}

function writeEntries(c: Client, entries: StreamEntry[]): void {
  c.writer.array(entries.length);
  for (const entry of entries) writeEntry(c, entry);
}

interface Trim {
  strategy: 'maxlen' | 'minid';
  threshold: number | StreamId;
  limit: number;
  /** `~`: only whole nodes of STREAM_NODE_ENTRIES are removed, as Redis does. */
  approximate: boolean;
}

/**
 * Redis keeps a stream in nodes of up to 100 entries (stream-node-max-entries) and `~` trims
 * whole nodes only, so a capped stream (BullMQ's events, `MAXLEN ~ 10000`) is cut once per 100
 * appends rather than by one entry on every append. Nodes are not kept here; `~` removes the
 * largest multiple of 100 entries the exact trim would remove.
 */
const STREAM_NODE_ENTRIES = 100;

/** Parses MAXLEN|MINID [=|~] threshold [LIMIT count] at argv[i]; returns the next index. */
function parseTrim(argv: string[], i: number, trim: { value: Trim | null }): number {
  const strategy = argv[i]!.toLowerCase() as 'maxlen' | 'minid';
  let next = i + 1;
  let approximate = false;
  if (argv[next] === '~' || argv[next] === '=') {
    approximate = argv[next] === '~';
    next++;
  }
  const text = argv[next];
  if (text === undefined) throw new ReplyError(errors.syntax);
  let threshold: number | StreamId;
  if (strategy === 'maxlen') {
    const n = parseInt64(text);
    if (n === undefined) throw new ReplyError(errors.notInteger);
    if (n < 0) throw new ReplyError('ERR The MAXLEN argument must be >= 0.');
    threshold = n;
  } else threshold = idArg(text);
  next++;
  let limit = 0;
  if (is(argv[next], 'LIMIT')) {
    if (!approximate)
      throw new ReplyError('ERR syntax error, LIMIT cannot be used without the special ~ option');
    limit = intArg(argv[next + 1] ?? '');
    if (limit < 0) throw new ReplyError('ERR The LIMIT argument must be >= 0.');
    next += 2;
  }
  trim.value = { strategy, threshold, limit, approximate };
  return next;
}

function applyTrim(s: Stream, trim: Trim): number {
  let remove: number;
  if (trim.strategy === 'maxlen') remove = Math.max(0, s.length - (trim.threshold as number));
  else remove = s.lowerBound(trim.threshold as StreamId);
  if (trim.limit > 0) remove = Math.min(remove, trim.limit);
  if (trim.approximate) remove -= remove % STREAM_NODE_ENTRIES;
  return s.trimFront(remove);
}

/** XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id field value [field value ...] */
function xadd(c: Client, argv: string[]): void {
  const key = argv[1]!;
  let noMkStream = false;
  const trim: { value: Trim | null } = { value: null };
  let i = 2;
  for (;;) {
    const option = argv[i]?.toUpperCase();
    if (option === 'NOMKSTREAM') {
      noMkStream = true;
      i++;
    } else if (option === 'MAXLEN' || option === 'MINID') i = parseTrim(argv, i, trim);
    else break;
  }
  const idText = argv[i];
  const fieldCount = argv.length - i - 1;
  if (idText === undefined || fieldCount <= 0 || fieldCount % 2 !== 0)
    throw new ReplyError(errors.arity('xadd'));
  const existing = getStream(c, key);
  if (!existing && noMkStream) {
    c.writer.nil();
    return;
  }
  const s = existing ?? new Stream();
  const last = s.lastId;
  let id: StreamId;
  if (idText === '*') {
    const now = c.engine.clock.now();
    id = now > last.ms ? { ms: now, seq: 0 } : { ms: last.ms, seq: last.seq + 1 };
  } else if (idText.endsWith('-*')) {
    const ms = parseInt64(idText.slice(0, -2));
    if (ms === undefined || ms < 0) throw new ReplyError(errors.streamId);
    if (ms < last.ms) throw new ReplyError(errors.streamIdSmall);
    id = ms === last.ms ? { ms, seq: last.seq + 1 } : { ms, seq: 0 };
    if (id.ms === 0 && id.seq === 0) id = { ms: 0, seq: 1 };
  } else {
    id = idArg(idText);
    if (id.ms === 0 && id.seq === 0) throw new ReplyError(errors.streamIdZero);
    if (compareIds(id, last) <= 0) throw new ReplyError(errors.streamIdSmall);
  }
  if (!existing) c.db.set(key, s);
  const fields = argv.slice(i + 1);
  for (let f = 0; f < fields.length; f++) fields[f] = internName(fields[f]!);
  s.append(id, fields);
  const formatted = formatId(id);
  c.changed(key, 'xadd', stream);
  if (trim.value && applyTrim(s, trim.value) > 0) c.engine.notify(stream, 'xtrim', key, c.db.id);
  // Replay must produce the same ID, not a new one from the clock.
  if (c.engine.propagator !== null) {
    const propagated = [...argv];
    propagated[i] = formatted;
    c.propagateArgv = propagated;
  }
  c.writer.bulk(formatted);
}

function xlen(c: Client, argv: string[]): void {
  c.writer.integer(getStream(c, argv[1]!)?.length ?? 0);
}

function xrange(reverse: boolean) {
  return (c: Client, argv: string[]) => {
    const [startText, endText] = reverse ? [argv[3]!, argv[2]!] : [argv[2]!, argv[3]!];
    const start = rangeBound(startText, true);
    const end = rangeBound(endText, false);
    let count = Number.POSITIVE_INFINITY;
    if (argv.length === 6 && is(argv[4], 'COUNT')) {
      count = intArg(argv[5]!);
      if (count < 0) count = 0;
    } else if (argv.length !== 4) throw new ReplyError(errors.syntax);
    const s = getStream(c, argv[1]!);
    if (!s || !start || !end || compareIds(start, end) > 0) {
      c.writer.array(0);
      return;
    }
    const from = s.lowerBound(start);
    const to = s.upperBound(end);
    const out: StreamEntry[] = [];
    if (reverse) for (let j = to - 1; j >= from && out.length < count; j--) out.push(s.entries[j]!);
    else for (let j = from; j < to && out.length < count; j++) out.push(s.entries[j]!);
    writeEntries(c, out);
  };
}

function xdel(c: Client, argv: string[]): void {
  const ids = argv.slice(2).map((text) => idArg(text));
  const s = getStream(c, argv[1]!);
  let removed = 0;
  if (s) for (const id of ids) if (s.delete(id)) removed++;
  if (removed > 0) c.changed(argv[1]!, 'xdel', stream);
  c.writer.integer(removed);
}

function xtrim(c: Client, argv: string[]): void {
  const option = argv[2]!.toUpperCase();
  if (option !== 'MAXLEN' && option !== 'MINID') throw new ReplyError(errors.syntax);
  const trim: { value: Trim | null } = { value: null };
  if (parseTrim(argv, 2, trim) !== argv.length) throw new ReplyError(errors.syntax);
  const s = getStream(c, argv[1]!);
  const removed = s ? applyTrim(s, trim.value!) : 0;
  if (removed > 0) c.changed(argv[1]!, 'xtrim', stream);
  c.writer.integer(removed);
}

/** Parses `[COUNT n] [BLOCK ms] [NOACK] STREAMS key... id...` from argv[at]. */
function readArgs(argv: string[], at: number, group: boolean) {
  let count = Number.POSITIVE_INFINITY;
  let block: number | null = null;
  let noAck = false;
  let i = at;
  for (; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    if (option === 'COUNT' && i + 1 < argv.length) {
      count = intArg(argv[++i]!);
      if (count <= 0) count = Number.POSITIVE_INFINITY;
    } else if (option === 'BLOCK' && i + 1 < argv.length) {
      block = intArg(argv[++i]!, errors.timeoutNotFloat);
      if (block < 0) throw new ReplyError(errors.timeoutNegative);
    } else if (option === 'NOACK' && group) noAck = true;
    else if (option === 'STREAMS') break;
    else throw new ReplyError(errors.syntax);
  }
  const rest = argv.slice(i + 1);
  if (i >= argv.length || rest.length === 0 || rest.length % 2 !== 0)
    throw new ReplyError(group ? errors.unbalancedStreamsGroup : errors.unbalancedStreams);
  const half = rest.length / 2;
  return { count, block, noAck, keys: rest.slice(0, half), ids: rest.slice(half), idsAt: i + 1 + half };
}

function writeStreamsReply(c: Client, results: [string, StreamEntry[] | (StreamEntry | string)[]][]): void {
  // RESP3: a map of key → entries; RESP2: an array of [key, entries] pairs.
  if (c.protocol === 3) c.writer.map(results.length);
  else c.writer.array(results.length);
  for (const [key, entries] of results) {
    if (c.protocol === 2) c.writer.array(2);
    c.writer.bulk(key);
    c.writer.array(entries.length);
    for (const entry of entries) {
      if (typeof entry === 'string') {
        // A pending entry that was deleted from the stream.
        c.writer.array(2);
        c.writer.bulk(entry);
        c.writer.nilArray();
      } else writeEntry(c, entry);
    }
  }
}

/** XREAD [COUNT count] [BLOCK ms] STREAMS key [key ...] id [id ...] */
function xread(c: Client, argv: string[]): void {
  const { count, block, keys, ids, idsAt } = readArgs(argv, 1, false);
  const streams = keys.map((key) => getStream(c, key));
  const after = ids.map((text, j) => (text === '$' ? (streams[j]?.lastId ?? MIN_ID) : idArg(text)));
  const results: [string, StreamEntry[]][] = [];
  keys.forEach((key, j) => {
    const s = streams[j];
    if (!s) return;
    const from = s.upperBound(after[j]!);
    const entries = s.entries.slice(from, from + Math.min(count, s.length));
    if (entries.length > 0) results.push([key, entries]);
  });
  if (results.length > 0 || block === null) {
    if (results.length === 0) c.writer.nilArray();
    else writeStreamsReply(c, results);
    return;
  }
  // `$` means "after the last entry now": pin it so a wake-up does not move the goalposts.
  const pinned = [...argv];
  after.forEach((id, j) => {
    pinned[idsAt + j] = formatId(id);
  });
  blockOr(c, pinned, keys, block, nilArrayReply);
}

function groupOf(c: Client, key: string, name: string, forRead = false): { s: Stream; group: ConsumerGroup } {
  const s = getStream(c, key);
  const group = s?.groups.get(name);
  if (!s || !group) throw new ReplyError(forRead ? errors.noGroup(key, name) : errors.noGroupCmd(key, name));
  return { s, group };
}

function consumerOf(group: ConsumerGroup, name: string, now: number): Consumer {
  let consumer = group.consumers.get(name);
  if (!consumer) {
    consumer = { name, seenAt: now, activeAt: -1, pending: new Set() };
    group.consumers.set(name, consumer);
  }
  consumer.seenAt = now;
  return consumer;
}

/** XREADGROUP GROUP group consumer [COUNT count] [BLOCK ms] [NOACK] STREAMS key [key ...] id [id ...] */
function xreadgroup(c: Client, argv: string[]): void {
  if (!is(argv[1], 'GROUP')) throw new ReplyError(errors.syntax);
  const groupName = argv[2]!;
  const consumerName = argv[3]!;
  const { count, block, noAck, keys, ids } = readArgs(argv, 4, true);
  const now = c.engine.clock.now();
  const targets = keys.map((key) => ({ key, ...groupOf(c, key, groupName, true) }));
  const results: [string, (StreamEntry | string)[]][] = [];
  let changed = false;
  targets.forEach(({ key, s, group }, j) => {
    const consumer = consumerOf(group, consumerName, now);
    if (ids[j] === '>') {
      const from = s.upperBound(group.lastId);
      const entries = s.entries.slice(from, from + Math.min(count, s.length));
      if (entries.length === 0) return;
      consumer.activeAt = now;
      group.lastId = entries[entries.length - 1]!.id;
      if (group.entriesRead >= 0) group.entriesRead += entries.length;
      else if (compareIds(s.maxDeletedId, MIN_ID) === 0) group.entriesRead = s.upperBound(group.lastId);
      if (!noAck)
        for (const entry of entries) {
          const id = formatId(entry.id);
          const previous = group.pending.get(id);
          if (previous) group.consumers.get(previous.consumer)?.pending.delete(id);
          group.pending.set(id, { consumer: consumerName, deliveredAt: now, deliveries: 1 });
          consumer.pending.add(id);
        }
      changed = true;
      results.push([key, entries]);
      return;
    }
    // History: this consumer's pending entries after the given ID.
    const after = idArg(ids[j]!);
    const history: (StreamEntry | string)[] = [];
    for (const id of consumer.pending) {
      if (history.length >= count) break;
      const parsed = parseId(id)!;
      if (compareIds(parsed, after) <= 0) continue;
      history.push(s.find(parsed) ?? id);
    }
    history.sort((a, b) => compareIds(idOf(a), idOf(b)));
    results.push([key, history]);
  });
  if (changed) for (const key of keys) c.changed(key, 'xreadgroup', stream);
  const served = results.some(([, entries]) => entries.length > 0) || ids.some((id) => id !== '>');
  if (served || block === null) {
    if (results.length === 0) c.writer.nilArray();
    else writeStreamsReply(c, results);
    return;
  }
  blockOr(c, argv, keys, block, nilArrayReply);
}

function idOf(entry: StreamEntry | string): StreamId {
  return typeof entry === 'string' ? parseId(entry)! : entry.id;
}

function xack(c: Client, argv: string[]): void {
  const ids = argv.slice(3).map((text) => formatId(idArg(text)));
  const s = getStream(c, argv[1]!);
  const group = s?.groups.get(argv[2]!);
  let acked = 0;
  if (group)
    for (const id of ids) {
      const pending = group.pending.get(id);
      if (!pending) continue;
      group.pending.delete(id);
      group.consumers.get(pending.consumer)?.pending.delete(id);
      acked++;
    }
  if (acked > 0) c.changed(argv[1]!, 'xack', stream);
  c.writer.integer(acked);
}

/** XPENDING key group [[IDLE min-idle-time] start end count [consumer]] */
function xpending(c: Client, argv: string[]): void {
  const { group } = groupOf(c, argv[1]!, argv[2]!);
  const now = c.engine.clock.now();
  if (argv.length === 3) {
    const ids = [...group.pending.keys()].map((id) => parseId(id)!).sort(compareIds);
    if (ids.length === 0) {
      c.writer.array(4);
      c.writer.integer(0);
      c.writer.nil();
      c.writer.nil();
      c.writer.nilArray();
      return;
    }
    const perConsumer = new Map<string, number>();
    for (const p of group.pending.values())
      perConsumer.set(p.consumer, (perConsumer.get(p.consumer) ?? 0) + 1);
    c.writer.array(4);
    c.writer.integer(ids.length);
    c.writer.bulk(formatId(ids[0]!));
    c.writer.bulk(formatId(ids[ids.length - 1]!));
    c.writer.array(perConsumer.size);
    for (const [name, n] of perConsumer) {
      c.writer.array(2);
      c.writer.bulk(name);
      c.writer.bulk(String(n));
    }
    return;
  }
  let i = 3;
  let minIdle = 0;
  if (is(argv[i], 'IDLE')) {
    minIdle = intArg(argv[i + 1] ?? '');
    i += 2;
  }
  if (argv.length - i < 3 || argv.length - i > 4) throw new ReplyError(errors.syntax);
  const start = rangeBound(argv[i]!, true);
  const end = rangeBound(argv[i + 1]!, false);
  const count = intArg(argv[i + 2]!);
  const consumer = argv[i + 3];
  const rows = [...group.pending]
    .map(([id, p]) => ({ id: parseId(id)!, text: id, p }))
    .filter(
      ({ id, p }) =>
        start !== null &&
        end !== null &&
        compareIds(id, start) >= 0 &&
        compareIds(id, end) <= 0 &&
        (consumer === undefined || p.consumer === consumer) &&
        now - p.deliveredAt >= minIdle,
    )
    .sort((a, b) => compareIds(a.id, b.id))
    .slice(0, Math.max(0, count));
  c.writer.array(rows.length);
  for (const { text, p } of rows) {
    c.writer.array(4);
    c.writer.bulk(text);
    c.writer.bulk(p.consumer);
    c.writer.integer(Math.max(0, now - p.deliveredAt));
    c.writer.integer(p.deliveries);
  }
}

/** Moves a pending entry to a consumer (shared by XCLAIM and XAUTOCLAIM). */
function claim(
  group: ConsumerGroup,
  id: string,
  consumer: Consumer,
  deliveredAt: number,
  bumpDeliveries: boolean,
): void {
  const pending = group.pending.get(id)!;
  group.consumers.get(pending.consumer)?.pending.delete(id);
  pending.consumer = consumer.name;
  pending.deliveredAt = deliveredAt;
  if (bumpDeliveries) pending.deliveries++;
  consumer.pending.add(id);
  consumer.activeAt = deliveredAt;
}

/** XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] [TIME ms] [RETRYCOUNT n] [FORCE] [JUSTID] [LASTID id] */
function xclaim(c: Client, argv: string[]): void {
  const { s, group } = groupOf(c, argv[1]!, argv[2]!);
  const now = c.engine.clock.now();
  const minIdle = intArg(argv[4]!, 'ERR Invalid min-idle-time argument for XCLAIM');
  const ids: string[] = [];
  let i = 5;
  for (; i < argv.length; i++) {
    const id = parseId(argv[i]!);
    if (!id) break;
    ids.push(formatId(id));
  }
  let deliveredAt = now;
  let retryCount: number | null = null;
  let force = false;
  let justId = false;
  for (; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    if (option === 'IDLE' && i + 1 < argv.length) deliveredAt = now - intArg(argv[++i]!);
    else if (option === 'TIME' && i + 1 < argv.length) deliveredAt = intArg(argv[++i]!);
    else if (option === 'RETRYCOUNT' && i + 1 < argv.length) retryCount = intArg(argv[++i]!);
    else if (option === 'FORCE') force = true;
    else if (option === 'JUSTID') justId = true;
    else if (option === 'LASTID' && i + 1 < argv.length) {
      const last = idArg(argv[++i]!);
      if (compareIds(last, group.lastId) > 0) group.lastId = last;
    } else throw new ReplyError(`ERR Unrecognized XCLAIM option '${argv[i]}'`);
  }
  const consumer = consumerOf(group, argv[3]!, now);
  const claimed: (StreamEntry | string)[] = [];
  for (const id of ids) {
    const entry = s.find(parseId(id)!);
    let pending = group.pending.get(id);
    if (!pending && force && entry) {
      pending = { consumer: consumer.name, deliveredAt: now, deliveries: 0 };
      group.pending.set(id, pending);
    }
    if (!pending) continue;
    if (!entry) {
      // Deleted from the stream: drop it from the PEL (Redis 7).
      group.pending.delete(id);
      group.consumers.get(pending.consumer)?.pending.delete(id);
      continue;
    }
    if (minIdle > 0 && now - pending.deliveredAt < minIdle) continue;
    claim(group, id, consumer, deliveredAt, !justId);
    if (retryCount !== null) pending.deliveries = retryCount;
    claimed.push(justId ? id : entry);
  }
  c.changed(argv[1]!, 'xclaim', stream);
  c.writer.array(claimed.length);
  for (const item of claimed) {
    if (typeof item === 'string') c.writer.bulk(item);
    else writeEntry(c, item);
  }
}

/** XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID] */
function xautoclaim(c: Client, argv: string[]): void {
  const { s, group } = groupOf(c, argv[1]!, argv[2]!);
  const now = c.engine.clock.now();
  const minIdle = intArg(argv[4]!, 'ERR Invalid min-idle-time argument for XAUTOCLAIM');
  const start = rangeBound(argv[5]!, true) ?? MAX_ID;
  let count = 100;
  let justId = false;
  for (let i = 6; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    if (option === 'COUNT' && i + 1 < argv.length) {
      count = intArg(argv[++i]!);
      if (count < 1) throw new ReplyError('ERR COUNT must be > 0');
    } else if (option === 'JUSTID') justId = true;
    else throw new ReplyError(errors.syntax);
  }
  const consumer = consumerOf(group, argv[3]!, now);
  const candidates = [...group.pending.keys()]
    .map((id) => ({ id, parsed: parseId(id)! }))
    .filter(({ parsed }) => compareIds(parsed, start) >= 0)
    .sort((a, b) => compareIds(a.parsed, b.parsed));
  const claimed: (StreamEntry | string)[] = [];
  const deleted: string[] = [];
  let next = '0-0';
  let scanned = 0;
  for (const { id, parsed } of candidates) {
    if (scanned >= count) {
      next = id;
      break;
    }
    scanned++;
    const pending = group.pending.get(id)!;
    const entry = s.find(parsed);
    if (!entry) {
      group.pending.delete(id);
      group.consumers.get(pending.consumer)?.pending.delete(id);
      deleted.push(id);
      continue;
    }
    if (now - pending.deliveredAt < minIdle) continue;
    claim(group, id, consumer, now, !justId);
    claimed.push(justId ? id : entry);
  }
  c.changed(argv[1]!, 'xautoclaim', stream);
  c.writer.array(3);
  c.writer.bulk(next);
  c.writer.array(claimed.length);
  for (const item of claimed) {
    if (typeof item === 'string') c.writer.bulk(item);
    else writeEntry(c, item);
  }
  c.writer.bulks(deleted);
}

function xgroup(c: Client, argv: string[]): void {
  const sub = argv[1]!.toUpperCase();
  const key = argv[2];
  const name = argv[3];
  const now = c.engine.clock.now();
  switch (sub) {
    case 'CREATE': {
      if (argv.length < 5) throw new ReplyError(errors.subArity('xgroup', 'create'));
      let mkstream = false;
      let entriesRead = -1;
      for (let i = 5; i < argv.length; i++) {
        if (is(argv[i], 'MKSTREAM')) mkstream = true;
        else if (is(argv[i], 'ENTRIESREAD') && i + 1 < argv.length) entriesRead = intArg(argv[++i]!);
        else throw new ReplyError(errors.syntax);
      }
      let s = getStream(c, key!);
      if (!s) {
        if (!mkstream) throw new ReplyError(errors.xgroupNoKey);
        s = new Stream();
        c.db.set(key!, s);
      }
      if (s.groups.has(name!)) throw new ReplyError(errors.busyGroup);
      const lastId = argv[4] === '$' ? s.lastId : idArg(argv[4]!);
      s.groups.set(name!, {
        name: name!,
        lastId,
        // -1 means "unknown", reported as nil, as in Redis.
        entriesRead: entriesRead >= 0 ? entriesRead : argv[4] === '$' ? s.entriesAdded : -1,
        pending: new Map(),
        consumers: new Map(),
      });
      c.changed(key!, 'xgroup-create', stream);
      c.writer.ok();
      return;
    }
    case 'SETID': {
      if (argv.length < 5) throw new ReplyError(errors.subArity('xgroup', 'setid'));
      const { s, group } = groupOf(c, key!, name!);
      group.lastId = argv[4] === '$' ? s.lastId : idArg(argv[4]!);
      if (is(argv[5], 'ENTRIESREAD') && argv[6] !== undefined) group.entriesRead = intArg(argv[6]);
      c.changed(key!, 'xgroup-setid', stream);
      c.writer.ok();
      return;
    }
    case 'DESTROY': {
      if (argv.length !== 4) throw new ReplyError(errors.subArity('xgroup', 'destroy'));
      const s = getStream(c, key!);
      if (!s) throw new ReplyError(errors.xgroupNoKey);
      const removed = s.groups.delete(name!);
      if (removed) c.changed(key!, 'xgroup-destroy', stream);
      c.writer.integer(removed ? 1 : 0);
      return;
    }
    case 'CREATECONSUMER': {
      if (argv.length !== 5) throw new ReplyError(errors.subArity('xgroup', 'createconsumer'));
      const { group } = groupOf(c, key!, name!);
      if (group.consumers.has(argv[4]!)) {
        c.writer.integer(0);
        return;
      }
      consumerOf(group, argv[4]!, now);
      c.changed(key!, 'xgroup-createconsumer', stream);
      c.writer.integer(1);
      return;
    }
    case 'DELCONSUMER': {
      if (argv.length !== 5) throw new ReplyError(errors.subArity('xgroup', 'delconsumer'));
      const { group } = groupOf(c, key!, name!);
      const consumer = group.consumers.get(argv[4]!);
      if (!consumer) {
        c.writer.integer(0);
        return;
      }
      for (const id of consumer.pending) group.pending.delete(id);
      group.consumers.delete(argv[4]!);
      c.changed(key!, 'xgroup-delconsumer', stream);
      c.writer.integer(consumer.pending.size);
      return;
    }
    case 'HELP':
      c.writer.bulks(['XGROUP <subcommand>', 'CREATE', 'SETID', 'DESTROY', 'CREATECONSUMER', 'DELCONSUMER']);
      return;
    default:
      throw new ReplyError(errors.unknownSubcommand(argv[1]!, 'xgroup'));
  }
}

function lagOf(s: Stream, group: ConsumerGroup): number | null {
  if (s.length === 0 || compareIds(group.lastId, s.lastId) >= 0) return 0;
  if (group.entriesRead >= 0) return Math.max(0, s.entriesAdded - group.entriesRead);
  // Without deletions the position of the last delivered ID gives the count read so far.
  if (compareIds(s.maxDeletedId, MIN_ID) === 0) return s.length - s.upperBound(group.lastId);
  return null;
}

function xinfo(c: Client, argv: string[]): void {
  const sub = argv[1]!.toUpperCase();
  const w = c.writer;
  const now = c.engine.clock.now();
  if (sub === 'HELP') {
    w.bulks(['XINFO <subcommand>', 'CONSUMERS <key> <groupname>', 'GROUPS <key>', 'STREAM <key>']);
    return;
  }
  const s = getStream(c, argv[2] ?? '');
  if (!s) throw new ReplyError(errors.noSuchKey);
  switch (sub) {
    case 'STREAM': {
      const first = s.entries[0];
      const last = s.entries[s.length - 1];
      w.map(10);
      w.bulk('length');
      w.integer(s.length);
      w.bulk('radix-tree-keys');
      w.integer(Math.ceil(s.length / 100));
      w.bulk('radix-tree-nodes');
      w.integer(Math.ceil(s.length / 100) + 1);
      w.bulk('last-generated-id');
      w.bulk(formatId(s.lastId));
      w.bulk('max-deleted-entry-id');
      w.bulk(formatId(s.maxDeletedId));
      w.bulk('entries-added');
      w.integer(s.entriesAdded);
      w.bulk('recorded-first-entry-id');
      w.bulk(first ? formatId(first.id) : '0-0');
      w.bulk('groups');
      w.integer(s.groups.size);
      w.bulk('first-entry');
      if (first) writeEntry(c, first);
      else w.nilArray();
      w.bulk('last-entry');
      if (last) writeEntry(c, last);
      else w.nilArray();
      return;
    }
    case 'GROUPS':
      w.array(s.groups.size);
      for (const group of s.groups.values()) {
        w.map(6);
        w.bulk('name');
        w.bulk(group.name);
        w.bulk('consumers');
        w.integer(group.consumers.size);
        w.bulk('pending');
        w.integer(group.pending.size);
        w.bulk('last-delivered-id');
        w.bulk(formatId(group.lastId));
        w.bulk('entries-read');
        if (group.entriesRead < 0) w.nil();
        else w.integer(group.entriesRead);
        w.bulk('lag');
        const lag = lagOf(s, group);
        if (lag === null) w.nil();
        else w.integer(lag);
      }
      return;
    case 'CONSUMERS': {
      const { group } = groupOf(c, argv[2]!, argv[3] ?? '');
      w.array(group.consumers.size);
      for (const consumer of group.consumers.values()) {
        w.map(4);
        w.bulk('name');
        w.bulk(consumer.name);
        w.bulk('pending');
        w.integer(consumer.pending.size);
        w.bulk('idle');
        w.integer(Math.max(0, now - consumer.seenAt));
        w.bulk('inactive');
        w.integer(consumer.activeAt < 0 ? -1 : Math.max(0, now - consumer.activeAt));
      }
      return;
    }
    default:
      throw new ReplyError(errors.unknownSubcommand(argv[1]!, 'xinfo'));
  }
}

/** XSETID key last-id [ENTRIESADDED n] [MAXDELETEDID id] */
function xsetid(c: Client, argv: string[]): void {
  const s = getStream(c, argv[1]!);
  if (!s) throw new ReplyError(errors.noSuchKey);
  const id = idArg(argv[2]!);
  if (s.length > 0 && compareIds(id, s.lastId) < 0)
    throw new ReplyError('ERR The ID specified in XSETID is smaller than the target stream top item');
  s.lastId = id;
  for (let i = 3; i + 1 < argv.length; i += 2) {
    if (is(argv[i], 'ENTRIESADDED')) s.entriesAdded = intArg(argv[i + 1]!);
    else if (is(argv[i], 'MAXDELETEDID')) s.maxDeletedId = idArg(argv[i + 1]!);
    else throw new ReplyError(errors.syntax);
  }
  c.changed(argv[1]!, 'xsetid', stream);
  c.writer.ok();
}

/** Keys of XREAD/XREADGROUP: the first half of the arguments after STREAMS. */
function streamsKeys(argv: string[]): number[] {
  const at = argv.findIndex((arg, i) => i > 0 && arg.toUpperCase() === 'STREAMS');
  if (at < 0) return [];
  const half = Math.floor((argv.length - at - 1) / 2);
  return Array.from({ length: half }, (_, i) => at + 1 + i);
}

const one = [1, 1, 1] as const;

export const streamCommands: CommandSpec[] = [
  command('xadd', -5, ['write', 'denyoom', 'fast'], one, xadd),
  command('xlen', 2, ['readonly', 'fast'], one, xlen),
  command('xrange', -4, ['readonly'], one, xrange(false)),
  command('xrevrange', -4, ['readonly'], one, xrange(true)),
  command('xdel', -3, ['write', 'fast'], one, xdel),
  command('xtrim', -4, ['write'], one, xtrim),
  command('xread', -4, ['readonly', 'blocking', 'movablekeys'], null, xread, { keys: streamsKeys }),
  command('xreadgroup', -7, ['write', 'blocking', 'movablekeys'], null, xreadgroup, { keys: streamsKeys }),
  command('xack', -4, ['write', 'fast'], one, xack),
  command('xpending', -3, ['readonly'], one, xpending),
  command('xclaim', -6, ['write', 'fast'], one, xclaim),
  command('xautoclaim', -6, ['write', 'fast'], one, xautoclaim),
  command('xgroup', -2, ['write'], [2, 2, 1], xgroup),
  command('xinfo', -2, ['readonly'], [2, 2, 1], xinfo),
  command('xsetid', -3, ['write', 'denyoom', 'fast'], one, xsetid),
];
