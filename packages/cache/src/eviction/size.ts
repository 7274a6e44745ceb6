import type { Value } from '../keyspace/value.js';
import { Deque } from '../types/deque.js';
import { SortedSet } from '../types/zset.js';

/**
 * Estimated bytes a key costs in this engine's heap, in O(1): exact for strings, for
 * collections count × (per-element overhead + the average length of a few sampled elements),
 * like MEMORY USAGE's SAMPLES. The overheads were calibrated against V8 heap measurements
 * (Map entry, string headers, skip-list node arrays).
 */
const KEY_OVERHEAD = 72;
const SAMPLES = 5;

function averageLength(items: Iterable<string>): number {
  let total = 0;
  let n = 0;
  for (const item of items) {
    total += item.length;
    if (++n >= SAMPLES) break;
  }
  return n === 0 ? 0 : total / n;
}

function averagePairLength(entries: Iterable<[string, string]>): number {
  let total = 0;
  let n = 0;
  for (const [a, b] of entries) {
    total += a.length + b.length;
    if (++n >= SAMPLES) break;
  }
  return n === 0 ? 0 : total / n;
}

export function estimateSize(key: string, value: Value | undefined): number {
  if (value === undefined) return 0;
  const base = KEY_OVERHEAD + key.length;
  if (typeof value === 'string') return base + value.length;
  if (value instanceof Deque) return base + value.length * (16 + averageLength(value));
  if (value instanceof Map) return base + value.size * (56 + averagePairLength(value));
  if (value instanceof Set) return base + value.size * (40 + averageLength(value));
  if (value instanceof SortedSet) return base + value.size * (136 + averageLength(value.scores.keys()));
  let fields = 0;
  let n = 0;
  for (const entry of value.entries) {
    for (const field of entry.fields) fields += field.length;
    if (++n >= SAMPLES) break;
  }
  return base + value.length * (80 + (n === 0 ? 0 : fields / n));
}
