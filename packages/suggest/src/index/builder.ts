import { normalize } from '../normalize.js';
import { type IndexArrays, MAX_KEY_LENGTH, packNodes } from './layout.js';
import { PrefixIndex } from './prefix-index.js';

export interface IndexEntry {
  /** The phrase as it should be shown. */
  text: string;
  /** Popularity; higher ranks first. */
  weight: number;
}

export interface BuildOptions {
  /** Size of the precomputed top-k lists (default 10). */
  k?: number;
}

/** Nodes processed between two cooperative yields of the asynchronous build. */
const SLICE = 4096;

interface Keyed {
  key: string;
  text: string;
  weight: number;
}

/**
 * Normalizes, merges entries that normalize to the same key (weights add up, the heaviest
 * spelling is shown) and sorts by key. Empty or over-long keys and non-finite weights are dropped.
 */
function* prepare(entries: Iterable<IndexEntry>): Generator<void, Keyed[]> {
  const byKey = new Map<string, Keyed & { best: number }>();
  let seenCount = 0;
  for (const { text, weight } of entries) {
    if (++seenCount % (SLICE * 4) === 0) yield;
    if (!Number.isFinite(weight) || weight < 0) continue;
    const key = normalize(text);
    if (key.length === 0 || key.length > MAX_KEY_LENGTH) continue;
    const seen = byKey.get(key);
    if (seen === undefined) byKey.set(key, { key, text, weight, best: weight });
    else {
      seen.weight += weight;
      if (weight > seen.best) {
        seen.best = weight;
        seen.text = text;
      }
    }
  }
  const sorted = yield* sortInSlices([...byKey.keys()]);
  return sorted.map((key) => byKey.get(key)!);
}

/**
 * Sorts strings in code-unit order: runs by the engine's native sort, then merge passes that
 * yield as they go, so sorting a million keys never holds the event loop for more than a slice.
 */
function* sortInSlices(items: string[]): Generator<void, string[]> {
  const run = SLICE * 16;
  for (let start = 0; start < items.length; start += run) {
    const sorted = items.slice(start, start + run).sort();
    for (let i = 0; i < sorted.length; i++) items[start + i] = sorted[i]!;
    yield;
  }
  let from = items;
  let to: string[] = new Array(items.length);
  for (let width = run; width < items.length; width *= 2) {
    let untilYield = run;
    for (let left = 0; left < items.length; left += 2 * width) {
      const middle = Math.min(left + width, items.length);
      const end = Math.min(left + 2 * width, items.length);
      let i = left;
      let j = middle;
      for (let k = left; k < end; k++) {
        to[k] = i < middle && (j >= end || from[i]! <= from[j]!) ? from[i++]! : from[j++]!;
        if (--untilYield === 0) {
          untilYield = run;
          yield;
        }
      }
    }
    [from, to] = [to, from];
  }
  return from;
}

function packKeys(keyed: Keyed[]): Pick<IndexArrays, 'keyChars' | 'keyStart' | 'weights' | 'displays'> {
  let total = 0;
  let wide = false;
  for (const { key } of keyed) {
    total += key.length;
    if (!wide) for (let i = 0; i < key.length; i++) if (key.charCodeAt(i) > 0xff) wide = true;
  }
  const keyChars = wide ? new Uint16Array(total) : new Uint8Array(total);
  const keyStart = new Uint32Array(keyed.length + 1);
  const weights = new Float64Array(keyed.length);
  const displays = new Map<number, string>();
  let at = 0;
  keyed.forEach(({ key, text, weight }, id) => {
    keyStart[id] = at;
    for (let i = 0; i < key.length; i++) keyChars[at++] = key.charCodeAt(i);
    weights[id] = weight;
    if (text !== key) displays.set(id, text);
  });
  keyStart[keyed.length] = at;
  return { keyChars, keyStart, weights, displays };
}

/**
 * Builds the radix tree breadth-first (so children are contiguous) and then the top-k lists
 * bottom-up, each node's list merged from its children's. Yields every SLICE nodes so an
 * asynchronous driver can let queries run against the old index meanwhile.
 */
function* buildSteps(entries: Iterable<IndexEntry>, options: BuildOptions): Generator<void, IndexArrays> {
  const k = Math.max(1, Math.floor(options.k ?? 10));
  const keyed = yield* prepare(entries);
  const { keyChars, keyStart, weights, displays } = packKeys(keyed);
  yield;
  const n = keyed.length;
  const capacity = Math.max(1, 2 * n);
  const lo = new Uint32Array(capacity);
  const hi = new Uint32Array(capacity);
  const depth = new Uint16Array(capacity);
  const first = new Uint16Array(capacity);
  const firstChild = new Uint32Array(capacity + 1);
  const keyLength = (id: number) => keyStart[id + 1]! - keyStart[id]!;
  const charAt = (id: number, d: number) => keyChars[keyStart[id]! + d]!;

  let count = 1;
  lo[0] = 0;
  hi[0] = n;
  depth[0] = 0; // parent depth until the node is processed
  for (let node = 0; node < count; node++) {
    if (node % SLICE === 0) yield;
    const a = lo[node]!;
    const b = hi[node]!;
    firstChild[node] = count;
    if (a === b) continue; // empty index: a root with nothing under it
    // Keys in [a, b) are sorted, so their common prefix is that of the first and the last.
    let d = depth[node]!;
    const limit = Math.min(keyLength(a), keyLength(b - 1));
    while (d < limit && charAt(a, d) === charAt(b - 1, d)) d++;
    depth[node] = d;
    let start = keyLength(a) === d ? a + 1 : a;
    while (start < b) {
      // The run of keys sharing the character at position d ends at the first larger character.
      const c = charAt(start, d);
      let left = start + 1;
      let right = b;
      while (left < right) {
        const mid = (left + right) >>> 1;
        if (charAt(mid, d) === c) left = mid + 1;
        else right = mid;
      }
      lo[count] = start;
      hi[count] = left;
      depth[count] = d;
      first[count] = c;
      count++;
      start = left;
    }
  }
  firstChild[count] = count;

  const topStart = new Int32Array(count).fill(-1);
  let big = 0;
  for (let node = 0; node < count; node++) if (hi[node]! - lo[node]! > k) big++;
  const topIds = new Uint32Array(big * k);
  const byRank = (x: number, y: number) => weights[y]! - weights[x]! || x - y;
  let used = 0;
  const candidates: number[] = [];
  for (let node = count - 1; node >= 0; node--) {
    if (node % SLICE === 0) yield;
    const a = lo[node]!;
    if (hi[node]! - a <= k) continue;
    candidates.length = 0;
    if (keyLength(a) === depth[node]) candidates.push(a);
    for (let child = firstChild[node]!; child < firstChild[node + 1]!; child++) {
      const top = topStart[child]!;
      if (top >= 0) for (let i = 0; i < k; i++) candidates.push(topIds[top + i]!);
      else for (let id = lo[child]!; id < hi[child]!; id++) candidates.push(id);
    }
    candidates.sort(byRank);
    topStart[node] = used;
    for (let i = 0; i < k; i++) topIds[used++] = candidates[i]!;
  }

  return {
    k,
    keyChars,
    keyStart,
    weights,
    nodeLo: lo.slice(0, count),
    nodeHi: hi.slice(0, count),
    nodes: packNodes(
      depth,
      first,
      lo.subarray(0, count).map((id) => keyStart[id]!),
      firstChild,
      count,
    ),
    topStart,
    topIds,
    displays,
  };
}

/** Builds an index in one go (blocks the event loop; fine for tests, tools and small deltas). */
export function buildIndex(entries: Iterable<IndexEntry>, options: BuildOptions = {}): PrefixIndex {
  const steps = buildSteps(entries, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return new PrefixIndex(step.value);
  }
}

/**
 * Builds an index in slices, yielding to the event loop between them, so a server keeps answering
 * from its current index while the next one is built.
 */
export async function buildIndexAsync(
  entries: Iterable<IndexEntry>,
  options: BuildOptions = {},
): Promise<PrefixIndex> {
  const steps = buildSteps(entries, options);
  for (;;) {
    const step = steps.next();
    if (step.done) return new PrefixIndex(step.value);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}
