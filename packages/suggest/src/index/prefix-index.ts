import { charClass } from '../fuzzy/query-chars.js';
import { MaxHeap } from './heap.js';
import { type IndexArrays, NODE_CHILD, NODE_LABEL, NODE_MAX, NODE_SHAPE, NODE_STRIDE } from './layout.js';

// Module-local copies of the record layout: V8 folds these into the hot loops, not imported bindings.
const STRIDE = NODE_STRIDE;
const SHAPE = NODE_SHAPE;
const LABEL = NODE_LABEL;
const CHILD = NODE_CHILD;
const MAX = NODE_MAX;

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
   * The node records seen as float32, for their maximum-weight word (`MAX`): each node's
   * highest weight, rounded up, the bound that best-first and typo searches order nodes by, one
   * read instead of a walk through the top-k list or the node's entries.
   */
  readonly nodeMax: Float32Array;
  /**
   * Each node's first character again, packed: scanning a node's children for the characters the
   * query holds then reads a line or two instead of every child's 16-byte record.
   */
  readonly nodeChar: Uint16Array;
  /**
   * Two words per node: the characters that can come one and two positions after its first
   * character, as masks of `charClass` bits (from its label, or past a short edge its
   * descendants' first characters; 0 where no key goes on). The typo search looks two characters
   * ahead of a child with them before queuing it, and most children it would queue die there.
   */
  readonly nodeFollow: Uint32Array;
  private readonly heap = new MaxHeap();

  /** Takes the arrays over: the maximum word of every node record is (re)computed here. */
  constructor(arrays: IndexArrays) {
    this.arrays = arrays;
    const { nodes } = arrays;
    this.nodeMax = new Float32Array(nodes.buffer, nodes.byteOffset, nodes.length);
    fillMaxima(arrays, this.nodeMax);
    const count = arrays.nodeLo.length;
    this.nodeChar = new Uint16Array(count);
    const follows = new Uint32Array(2 * count);
    // What comes `offset` (1 or 2) positions past a child's first character: its label's character
    // while the label lasts, else its children's first characters or, one further, their masks.
    const follow = (child: number, start: number, offset: number): number => {
      const length = this.depth(child) - start;
      if (offset < length)
        return 1 << charClass(arrays.keyChars[nodes[child * STRIDE + LABEL]! + start + offset]!);
      let mask = 0;
      for (let next = this.firstChild(child); next < this.firstChild(child + 1); next++)
        mask |= offset === length ? 1 << charClass(this.char(next)) : follows[2 * next]!;
      return mask;
    };
    // Children come after their parents, so going backwards finds every grandchild's mask set.
    for (let node = count - 1; node >= 0; node--) {
      this.nodeChar[node] = this.char(node);
      const start = this.depth(node);
      for (let child = this.firstChild(node); child < this.firstChild(node + 1); child++) {
        follows[2 * child] = follow(child, start, 1);
        follows[2 * child + 1] = follow(child, start, 2);
      }
    }
    this.nodeFollow = follows;
  }

  /** Number of distinct entries. */
  get size(): number {
    return this.arrays.weights.length;
  }

  get nodeCount(): number {
    return this.arrays.nodeLo.length;
  }

  /** Length of the prefix a node stands for. */
  depth(node: number): number {
    return this.arrays.nodes[node * STRIDE + SHAPE]! & 0xffff;
  }

  /** The first character of a node's edge label (0 for the root). */
  char(node: number): number {
    return this.arrays.nodes[node * STRIDE + SHAPE]! >>> 16;
  }

  /** A node's children are the nodes [firstChild(node), firstChild(node + 1)). */
  firstChild(node: number): number {
    return this.arrays.nodes[node * STRIDE + CHILD]!;
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
    // Chunked so a long key never hits the argument-count limit of fromCharCode. `apply` takes the
    // typed array as it is: spreading it runs the iterator protocol, ~4x slower (1.9 µs a key).
    for (let at = start; at < end; at += 1024) {
      const chunk = keyChars.subarray(at, Math.min(end, at + 1024));
      out += String.fromCharCode.apply(null, chunk as unknown as number[]);
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
    const { keyChars, nodes } = this.arrays;
    const nodeChar = this.nodeChar;
    if (this.size === 0) return NOT_FOUND;
    const m = prefix.length;
    let node = 0;
    let d = 0;
    for (;;) {
      const at = node * STRIDE;
      const base = nodes[at + LABEL]!;
      const depth = nodes[at + SHAPE]! & 0xffff;
      const end = depth < m ? depth : m;
      for (; d < end; d++) if (keyChars[base + d] !== prefix.charCodeAt(d)) return NOT_FOUND;
      if (d === m) return node;
      // Children are sorted by their first character.
      const c = prefix.charCodeAt(d);
      const last = nodes[at + STRIDE + CHILD]!;
      let left = nodes[at + CHILD]!;
      let right = last;
      while (left < right) {
        const mid = (left + right) >>> 1;
        if (nodeChar[mid]! < c) left = mid + 1;
        else right = mid;
      }
      if (left === last || nodeChar[left] !== c) return NOT_FOUND;
      node = left;
    }
  }

  /** The id of an exact key, or NOT_FOUND. */
  idOf(key: string): number {
    const node = this.locate(key);
    if (node === NOT_FOUND) return NOT_FOUND;
    const { nodeLo, keyStart } = this.arrays;
    const lo = nodeLo[node]!;
    if (this.depth(node) !== key.length || keyStart[lo + 1]! - keyStart[lo]! !== key.length) return NOT_FOUND;
    return lo;
  }

  /** An upper bound (within float32 rounding) of the highest weight in a node's subtree. */
  maxWeight(node: number): number {
    return this.nodeMax[node * STRIDE + MAX]!;
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
    const { nodeLo, nodeHi, keyStart, topStart, weights } = this.arrays;
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
      if (keyStart[lo + 1]! - keyStart[lo]! === this.depth(ref)) heap.push(weights[lo]!, entryBase + lo);
      for (let child = this.firstChild(ref); child < this.firstChild(ref + 1); child++) {
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
      a.nodes,
      a.topStart,
      a.topIds,
      this.nodeChar,
      this.nodeFollow,
    ]) {
      bytes += array.byteLength;
    }
    // A Map entry is roughly 3 pointers plus the string (header + one byte or two per code unit).
    for (const text of a.displays.values()) bytes += 24 + 16 + 2 * text.length;
    return bytes;
  }
}

/** Writes the highest weight under every node into its record, rounded up so that it stays an upper bound. */
function fillMaxima({ topStart, topIds, weights, nodeLo, nodeHi }: IndexArrays, max: Float32Array): void {
  for (let node = 0; node < nodeLo.length; node++) {
    const top = topStart[node]!;
    let best = Number.NEGATIVE_INFINITY;
    if (top >= 0) best = weights[topIds[top]!]!;
    else for (let id = nodeLo[node]!; id < nodeHi[node]!; id++) if (weights[id]! > best) best = weights[id]!;
    const at = node * STRIDE + MAX;
    max[at] = best;
    // float32 rounds to nearest: nudge up one unit in the last place where it rounded down.
    if (max[at]! < best) max[at] = best + Math.abs(best) * 2 ** -23;
  }
}
