import { errors, ReplyError } from '../errors.js';
import { globMatch } from '../glob.js';
import type { Client } from '../server/client.js';
import { intArg } from './args.js';

/**
 * The SCAN family's cursor. A JS Map has no stable bucket order to resume from, so the first
 * call over a large collection takes a snapshot of its keys (references only) and the cursor
 * encodes snapshot id and offset. That keeps SCAN's guarantee: every element present for the
 * whole iteration is returned. Small collections are returned in one call with cursor 0, as
 * Redis does for listpack-encoded ones.
 */
const SMALL = 512;
const MAX_SNAPSHOTS = 64;
const SNAPSHOT_TTL_MS = 5 * 60_000;
const OFFSET_BITS = 2 ** 32;

interface Snapshot {
  items: string[];
  touched: number;
}

const snapshots = new Map<number, Snapshot>();
let nextSnapshot = 1;

export interface ScanOptions {
  cursor: number;
  match: string | null;
  count: number;
  type: string | null;
  noValues: boolean;
}

/** Parses `cursor [MATCH pattern] [COUNT n] [TYPE t] [NOVALUES]` starting at argv[at]. */
export function scanOptions(
  argv: string[],
  at: number,
  allowType: boolean,
  allowNoValues = false,
): ScanOptions {
  const cursorText = argv[at]!;
  if (!/^\d+$/.test(cursorText)) throw new ReplyError('ERR invalid cursor');
  const options: ScanOptions = {
    cursor: Number(cursorText),
    match: null,
    count: 10,
    type: null,
    noValues: false,
  };
  for (let i = at + 1; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    const value = argv[i + 1];
    if (option === 'MATCH' && value !== undefined) options.match = value;
    else if (option === 'COUNT' && value !== undefined) {
      options.count = intArg(value);
      if (options.count < 1) throw new ReplyError(errors.syntax);
    } else if (option === 'TYPE' && value !== undefined && allowType) options.type = value.toLowerCase();
    else if (option === 'NOVALUES' && allowNoValues) {
      options.noValues = true;
      continue;
    } else throw new ReplyError(errors.syntax);
    i++;
  }
  if (options.match === '*') options.match = null;
  return options;
}

/**
 * One SCAN step over `keys()` (called lazily only when a snapshot is needed). Returns the next
 * cursor and the candidate items of this step, before MATCH filtering by the caller.
 */
export function scanStep(
  options: ScanOptions,
  size: number,
  keys: () => Iterable<string>,
): { next: number; items: string[] } {
  const now = Date.now();
  if (options.cursor === 0 && size <= SMALL) return { next: 0, items: [...keys()] };
  let id = Math.floor(options.cursor / OFFSET_BITS);
  let offset = options.cursor % OFFSET_BITS;
  let snapshot = snapshots.get(id);
  if (!snapshot || options.cursor === 0) {
    pruneSnapshots(now);
    id = nextSnapshot++;
    snapshot = { items: [...keys()], touched: now };
    snapshots.set(id, snapshot);
    if (options.cursor !== 0) offset = Math.min(offset, snapshot.items.length);
    else offset = 0;
  }
  snapshot.touched = now;
  const end = Math.min(snapshot.items.length, offset + options.count);
  const items = snapshot.items.slice(offset, end);
  if (end >= snapshot.items.length) {
    snapshots.delete(id);
    return { next: 0, items };
  }
  return { next: id * OFFSET_BITS + end, items };
}

function pruneSnapshots(now: number): void {
  for (const [id, snapshot] of snapshots) if (now - snapshot.touched > SNAPSHOT_TTL_MS) snapshots.delete(id);
  while (snapshots.size >= MAX_SNAPSHOTS) snapshots.delete(snapshots.keys().next().value!);
}

export function matches(options: ScanOptions, item: string): boolean {
  return options.match === null || globMatch(options.match, item);
}

/** Writes `[cursor, [items...]]`. */
export function replyScan(c: Client, next: number, items: string[]): void {
  c.writer.array(2);
  c.writer.bulk(String(next));
  c.writer.bulks(items);
}
