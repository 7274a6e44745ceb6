import { errors, ReplyError } from '../errors.js';
import type { Value } from '../keyspace/value.js';
import type { Client } from '../server/client.js';
import { type NotifyClass, notifyClass } from '../server/notify.js';
import { Deque } from '../types/deque.js';
import { Stream } from '../types/stream.js';
import { SortedSet } from '../types/zset.js';

/**
 * Typed key lookups for handlers: undefined for a missing key, the value for the right type,
 * WRONGTYPE otherwise (lookupKeyReadOrReply + checkType in Redis).
 */
function lookup<T extends Value>(c: Client, key: string, is: (value: Value) => value is T): T | undefined {
  const value = c.db.get(key);
  if (value === undefined) {
    c.engine.stats.keyspaceMisses++;
    return undefined;
  }
  if (!is(value)) throw new ReplyError(errors.wrongType);
  c.engine.stats.keyspaceHits++;
  return value;
}

const isString = (v: Value): v is string => typeof v === 'string';
const isList = (v: Value): v is Deque<string> => v instanceof Deque;
const isHash = (v: Value): v is Map<string, string> => v instanceof Map;
const isSet = (v: Value): v is Set<string> => v instanceof Set;
const isZset = (v: Value): v is SortedSet => v instanceof SortedSet;
const isStream = (v: Value): v is Stream => v instanceof Stream;

export const getString = (c: Client, key: string) => lookup(c, key, isString);
export const getList = (c: Client, key: string) => lookup(c, key, isList);
export const getHash = (c: Client, key: string) => lookup(c, key, isHash);
export const getSet = (c: Client, key: string) => lookup(c, key, isSet);
export const getZset = (c: Client, key: string) => lookup(c, key, isZset);
export const getStream = (c: Client, key: string) => lookup(c, key, isStream);

/** The collection at key, created (and stored) if missing. */
export function listForWrite(c: Client, key: string): Deque<string> {
  const found = getList(c, key);
  if (found) return found;
  const created = new Deque<string>();
  c.db.set(key, created);
  return created;
}

export function hashForWrite(c: Client, key: string): Map<string, string> {
  const found = getHash(c, key);
  if (found) return found;
  const created = new Map<string, string>();
  c.db.set(key, created);
  return created;
}

export function setForWrite(c: Client, key: string): Set<string> {
  const found = getSet(c, key);
  if (found) return found;
  const created = new Set<string>();
  c.db.set(key, created);
  return created;
}

export function zsetForWrite(c: Client, key: string): SortedSet {
  const found = getZset(c, key);
  if (found) return found;
  const created = new SortedSet();
  c.db.set(key, created);
  return created;
}

/** Deletes a collection that became empty (Redis never keeps empty aggregates). */
export function dropIfEmpty(c: Client, key: string, size: number): boolean {
  if (size > 0) return false;
  c.db.delete(key);
  return true;
}

/** dropIfEmpty plus the generic `del` event Redis fires after a command empties a key. */
export function dropEmptied(c: Client, key: string, size: number): void {
  if (dropIfEmpty(c, key, size)) c.engine.notify(notifyClass.generic, 'del', key, c.db.id);
}

/**
 * HDEL, SREM and ZREM: deletes argv[2..] from the collection at argv[1], fires the type's event
 * when anything went, drops an emptied key, and replies with the number removed.
 */
export function removeMembers(
  c: Client,
  argv: string[],
  members: { delete(member: string): boolean; readonly size: number } | undefined,
  event: string,
  klass: NotifyClass,
): void {
  let removed = 0;
  if (members) {
    for (let i = 2; i < argv.length; i++) if (members.delete(argv[i]!)) removed++;
    if (removed > 0) {
      c.changed(argv[1]!, event, klass);
      dropEmptied(c, argv[1]!, members.size);
    }
  }
  c.writer.integer(removed);
}
