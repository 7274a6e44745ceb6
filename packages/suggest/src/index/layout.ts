/**
 * The prefix index as plain typed arrays, so it costs a few bytes per entry, is cheap for the GC,
 * and can be written to disk and mapped back without a per-node object.
 *
 * Entries (completions) are the distinct normalized keys in code-unit order; an entry's id is its
 * rank. Nodes form a radix tree over the keys in breadth-first order (root = 0). Every node covers
 * the contiguous id range [lo, hi) of the keys that start with its prefix, and `depth` is that
 * prefix's length. A node's edge label is read from the key of its first entry, so labels cost
 * nothing extra. A node's children are the nodes [firstChild(n), firstChild(n + 1)); the node has a
 * terminal entry (its own prefix is a key) when the key of `lo` is exactly `depth` long.
 *
 * What a tree walk reads per node (depth, first character, label offset, first child, maximum
 * weight) is interleaved in one 16-byte record (`nodes`), so visiting a node costs one cache
 * miss rather than one per array, and a node's children, being contiguous, share a few lines.
 *
 * Nodes covering more than k entries carry their precomputed top-k ids (by weight, then id) at
 * `topStart[n]` in `topIds`; smaller nodes have -1 and their few entries are ranked on read.
 */
export interface IndexArrays {
  /** How many ids each top-k list holds. */
  k: number;
  /** Normalized keys, concatenated; Uint8Array when every code unit fits in a byte. */
  keyChars: Uint8Array | Uint16Array;
  /** Key i is keyChars[keyStart[i] .. keyStart[i + 1]). */
  keyStart: Uint32Array;
  /** Popularity weight per entry (forward-decayed, see ranking/decay.ts). */
  weights: Float64Array;
  nodeLo: Uint32Array;
  nodeHi: Uint32Array;
  /**
   * NODE_STRIDE words per node, plus a sentinel record whose first child is the node count (so
   * `firstChild(n + 1)` ends the children of the last node): see the NODE_* word offsets.
   */
  nodes: Uint32Array;
  topStart: Int32Array;
  topIds: Uint32Array;
  /** Display text for the entries whose original text differs from their normalized key. */
  displays: Map<number, string>;
}

/** Longest key the index stores, in UTF-16 code units of its normalized form. */
export const MAX_KEY_LENGTH = 512;

/** Words per node record in `IndexArrays.nodes`. */
export const NODE_STRIDE = 4;
/** Word 0: the node's depth (low 16 bits) and the first character of its edge label (high 16; 0 for the root). */
export const NODE_SHAPE = 0;
/** Word 1: offset in keyChars of the key the node's label is read from (that of `lo`). */
export const NODE_LABEL = 1;
/** Word 2: the node's first child; its children are [firstChild(n), firstChild(n + 1)). */
export const NODE_CHILD = 2;
/**
 * Word 3: the highest weight in the node's subtree as float32 bits, rounded up so that it stays an
 * upper bound (read through a Float32Array view); derived when a PrefixIndex is constructed.
 */
export const NODE_MAX = 3;

/** Packs the per-node arrays of a tree into records (the maximum words are left at 0). */
export function packNodes(
  depth: ArrayLike<number>,
  char: ArrayLike<number>,
  label: ArrayLike<number>,
  firstChild: ArrayLike<number>,
  count: number,
): Uint32Array {
  const nodes = new Uint32Array((count + 1) * NODE_STRIDE);
  for (let n = 0; n < count; n++) {
    const at = n * NODE_STRIDE;
    nodes[at + NODE_SHAPE] = depth[n]! | (char[n]! << 16);
    nodes[at + NODE_LABEL] = label[n]!;
    nodes[at + NODE_CHILD] = firstChild[n]!;
  }
  nodes[count * NODE_STRIDE + NODE_CHILD] = count;
  return nodes;
}
