import { Deque } from '../types/deque.js';
import type { Stream } from '../types/stream.js';
import { SortedSet } from '../types/zset.js';

/**
 * What a key holds. A string is stored as a bare latin1 JS string (no wrapper object per key,
 * which keeps many small keys compact); the collections are their own classes.
 */
export type Value = string | Deque<string> | Map<string, string> | Set<string> | SortedSet | Stream;

export type TypeName = 'string' | 'list' | 'hash' | 'set' | 'zset' | 'stream';

export function typeOf(value: Value): TypeName {
  if (typeof value === 'string') return 'string';
  if (value instanceof Map) return 'hash';
  if (value instanceof Set) return 'set';
  if (value instanceof Deque) return 'list';
  if (value instanceof SortedSet) return 'zset';
  return 'stream';
}

/** A deep copy (COPY, snapshots of collections). Strings are immutable and shared. */
export function cloneValue(value: Value): Value {
  if (typeof value === 'string') return value;
  if (value instanceof Map) return new Map(value);
  if (value instanceof Set) return new Set(value);
  if (value instanceof Deque) {
    const copy = new Deque<string>(value.length);
    for (const item of value) copy.pushBack(item);
    return copy;
  }
  if (value instanceof SortedSet) {
    const copy = new SortedSet();
    for (const node of value) copy.set(node.member, node.score);
    return copy;
  }
  return value.clone();
}
