import { MaxHeap } from './heap.js';
import type { IndexArrays } from './layout.js';

/** Where a prefix ends in the tree: the node whose range holds every key that starts with it. */
export const NOT_FOUND = -1;

/**
 * Read side of the prefix index. Finding a prefix walks one node per edge, comparing the edge's
 * characters, so it is O(prefix length); its top-k is then read from the node's precomputed list.
 * Asking for more than k, or skipping entries (blocklist), falls back to a best-first walk that
 * uses each subtree's precomputed maximum, so it visits little more than what it returns.
 */
export class PrefixIndex {
  readonly arrays: IndexArrays;
  /**
   * Each node's highest weight, rounded up to float32: the bound that best-first and typo searches
   * order nodes by, one read instead of a walk through the top-k list or the node's entries.
   */
  readonly nodeMax: Float32Array;
  private readonly heap = new MaxHeap();

  constructor(arrays: IndexArrays) {
    this.arrays = arrays;
    this.nodeMax = nodeMaxima(arrays);
  }

  /** Number of distinct entries. */
  get size(): number {
    return this.arrays.weights.length;
  }

  get nodeCount(): number {
    return this.arrays.nodeLo.length;
  }

  get k(): number {
    return this.arrays.k;
  }

  /** The normalized key of an entry. */
  key(id: number): string {
    const { keyChars, keyStart } = this.arrays;
    const start = keyStart[id]!;
    const end = keyStart[id + 1]!;
    let out = '';
    // Chunked so a long key never hits the argument-count limit of fromCharCode.
    for (let at = start; at < end; at += 1024) {
      out += String.fromCharCode(...keyChars.subarray(at, Math.min(end, at + 1024)));
    }
    return out;
  }

  /** The text to display for an entry. */
  text(id: number): string {
    return this.arrays.displays.get(id) ?? this.key(id);
  }

  weight(id: number): number {
    return this.arrays.weights[id]!;
  }

  /** The node covering every key that starts with `prefix` (normalized), or NOT_FOUND. */
  locate(prefix: string): number {
    const { keyChars, nodeLabel, nodeChar, nodeDepth, firstChild } = this.arrays;
    if (this.size === 0) return NOT_FOUND;
    const m = prefix.length;
    let node = 0;
    let d = 0;
    for (;;) {
      const base = nodeLabel[node]!;
      const end = Math.min(nodeDepth[node]!, m);
      for (; d < end; d++) if (keyChars[base + d] !== prefix.charCodeAt(d)) return NOT_FOUND;
      if (d === m) return node;
      // Children are sorted by their character at position d.
      const c = prefix.charCodeAt(d);
      let left = firstChild[node]!;
      let right = firstChild[node + 1]!;
      while (left < right) {
        const mid = (left + right) >>> 1;
        if (nodeChar[mid]! < c) left = mid + 1;
        else right = mid;
      }
      if (left === firstChild[node + 1]! || nodeChar[left] !== c) return NOT_FOUND;
      node = left;
    }
  }

  /** The id of an exact key, or NOT_FOUND. */
  idOf(key: string): number {
    const node = this.locate(key);
    if (node === NOT_FOUND) return NOT_FOUND;
    const { nodeLo, nodeDepth, keyStart } = this.arrays;
    const lo = nodeLo[node]!;
    if (nodeDepth[node] !== key.length || keyStart[lo + 1]! - keyStart[lo]! !== key.length) return NOT_FOUND;
    return lo;
  }

  /** An upper bound (within float32 rounding) of the highest weight in a node's subtree. */
  maxWeight(node: number): number {
    return this.nodeMax[node]!;
  }

  /**
   * Up to `limit` ids under `node`, by weight then id. `accept` filters entries (a skipped entry
   * does not count towards the limit); `budget` caps the entries examined on the slow path.
   */
  top(node: number, limit: number, accept?: (id: number) => boolean, budget = 4096): number[] {
    const { topStart, topIds, nodeLo, nodeHi, k } = this.arrays;
    const out: number[] = [];
    if (node === NOT_FOUND || limit <= 0) return out;
    const start = topStart[node]!;
    if (start >= 0 && limit <= k) {
      for (let i = start; i < start + k && out.length < limit; i++) {
        const id = topIds[i]!;
        if (accept === undefined || accept(id)) out.push(id);
      }
      if (out.length === limit || accept === undefined) return out;
    } else if (start < 0) {
      const ids: number[] = [];
      for (let id = nodeLo[node]!; id < nodeHi[node]!; id++) ids.push(id);
      ids.sort(this.byRank);
      for (const id of ids) {
        if (out.length === limit) break;
        if (accept === undefined || accept(id)) out.push(id);
      }
      return out;
    }
    return this.bestFirst(node, limit, accept, budget);
  }

  /** Entries in rank order by expanding the subtree whose best remaining entry is highest. */
  private bestFirst(
    node: number,
    limit: number,
    accept: ((id: number) => boolean) | undefined,
    budget: number,
  ) {
    const { nodeLo, nodeHi, nodeDepth, keyStart, firstChild, topStart, weights } = this.arrays;
    const heap = this.heap;
    // Node refs sort before entry refs so that, on equal weight, subtrees open before entries pop.
    const entryBase = this.nodeCount;
    heap.clear();
    heap.push(this.maxWeight(node), node);
    const out: number[] = [];
    let examined = 0;
    while (heap.size > 0 && out.length < limit && examined < budget) {
      const ref = heap.pop();
      if (ref >= entryBase) {
        const id = ref - entryBase;
        examined++;
        if (accept === undefined || accept(id)) out.push(id);
        continue;
      }
      const lo = nodeLo[ref]!;
      if (topStart[ref]! < 0) {
        for (let id = lo; id < nodeHi[ref]!; id++) heap.push(weights[id]!, entryBase + id);
        continue;
      }
      if (keyStart[lo + 1]! - keyStart[lo]! === nodeDepth[ref]) heap.push(weights[lo]!, entryBase + lo);
      for (let child = firstChild[ref]!; child < firstChild[ref + 1]!; child++) {
        heap.push(this.maxWeight(child), child);
      }
    }
    heap.clear();
    return out;
  }

  private readonly byRank = (a: number, b: number) =>
    this.arrays.weights[b]! - this.arrays.weights[a]! || a - b;

  /** Bytes held by the index's arrays plus the display strings that differ from their keys. */
  byteSize(): number {
    const a = this.arrays;
    let bytes = 0;
    for (const array of [
      a.keyChars,
      a.keyStart,
      a.weights,
      a.nodeLo,
      a.nodeHi,
      a.nodeDepth,
      a.nodeChar,
      a.nodeLabel,
      a.firstChild,
      a.topStart,
      a.topIds,
      this.nodeMax,
    ]) {
      bytes += array.byteLength;
    }
    // A Map entry is roughly 3 pointers plus the string (header + one byte or two per code unit).
    for (const text of a.displays.values()) bytes += 24 + 16 + 2 * text.length;
    return bytes;
  }
}

/** The highest weight under every node, rounded up so that it stays an upper bound. */
function nodeMaxima({ topStart, topIds, weights, nodeLo, nodeHi }: IndexArrays): Float32Array {
  const max = new Float32Array(nodeLo.length);
  for (let node = 0; node < max.length; node++) {
    const top = topStart[node]!;
    let best = Number.NEGATIVE_INFINITY;
    if (top >= 0) best = weights[topIds[top]!]!;
    else for (let id = nodeLo[node]!; id < nodeHi[node]!; id++) if (weights[id]! > best) best = weights[id]!;
    max[node] = best;
    // float32 rounds to nearest: nudge up one unit in the last place where it rounded down.
    if (max[node]! < best) max[node] = best + Math.abs(best) * 2 ** -23;
  }
  return max;
}
