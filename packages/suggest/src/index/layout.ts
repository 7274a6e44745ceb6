/**
 * The prefix index as plain typed arrays, so it costs a few bytes per entry, is cheap for the GC,
 * and can be written to disk and mapped back without a per-node object.
 *
 * Entries (completions) are the distinct normalized keys in code-unit order; an entry's id is its
 * rank. Nodes form a radix tree over the keys in breadth-first order (root = 0). Every node covers
 * the contiguous id range [lo, hi) of the keys that start with its prefix, and `depth` is that
 * prefix's length. A node's edge label is read from the key of its first entry, so labels cost
 * nothing extra. A node's children are the nodes [firstChild[n], firstChild[n + 1]); the node has a
 * terminal entry (its own prefix is a key) when the key of `lo` is exactly `depth` long.
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
  nodeDepth: Uint16Array;
  /** First character of each node's edge label (0 for the root): a child scan stays in one cache line. */
  nodeChar: Uint16Array;
  /** Offset in keyChars of the key the node's label is read from (that of `lo`). */
  nodeLabel: Uint32Array;
  firstChild: Uint32Array;
  topStart: Int32Array;
  topIds: Uint32Array;
  /** Display text for the entries whose original text differs from their normalized key. */
  displays: Map<number, string>;
}

/** Longest key the index stores, in UTF-16 code units of its normalized form. */
export const MAX_KEY_LENGTH = 512;
