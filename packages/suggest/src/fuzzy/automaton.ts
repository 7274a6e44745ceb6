import type { PrefixIndex } from '../index/prefix-index.js';
import { DEFAULT_TYPO_POLICY, type TypoPolicy } from './policy.js';

/** A subtree whose keys start with something within `distance` edits of the query. */
export interface FuzzyMatch {
  node: number;
  distance: number;
  /** Length of the key prefix that matched the query (what to highlight). */
  matched: number;
}

/**
 * Prefix matching within a bounded Damerau–Levenshtein distance (optimal string alignment:
 * a transposition of neighbours is one edit) by walking the radix tree with one DP row per
 * character of depth, as a Levenshtein automaton would. Row j holds the distance between each
 * prefix of the query and the first j key characters; only the diagonal band |i − j| ≤ maxEdits
 * can stay within bounds, so a row costs at most 2·maxEdits + 1 cells. A subtree is cut as soon
 * as no cell of its row is within bounds, or none can beat the match already found above it.
 */
export function fuzzyMatches(
  index: PrefixIndex,
  query: string,
  maxEdits: number,
  policy: TypoPolicy = DEFAULT_TYPO_POLICY,
  maxMatches = 256,
): FuzzyMatch[] {
  const { keyChars, keyStart, nodeLo, nodeDepth, firstChild } = index.arrays;
  const m = query.length;
  const matches: FuzzyMatch[] = [];
  if (index.size === 0 || m === 0 || maxEdits <= 0) return matches;
  const d = maxEdits;
  const inf = d + 1;
  const width = m + 1;
  const maxDepth = m + d;
  const rows = new Int32Array((maxDepth + 1) * width);
  const q = new Uint16Array(m);
  for (let i = 0; i < m; i++) q[i] = query.charCodeAt(i);
  for (let i = 0; i <= m; i++) rows[i] = i <= d ? i : inf;
  const path = new Uint16Array(maxDepth + 1);
  let budget = policy.maxRows;

  /** Computes row j + 1 for key character c; returns the row's minimum. */
  const step = (j: number, c: number): number => {
    const prev = j * width;
    const cur = prev + width;
    const next = j + 1;
    const low = Math.max(0, next - d);
    const high = Math.min(m, next + d);
    if (low > 0) rows[cur + low - 1] = inf;
    if (high < m) rows[cur + high + 1] = inf;
    let min = inf;
    for (let i = low; i <= high; i++) {
      let v: number;
      if (i === 0) v = next;
      else {
        const substitute = rows[prev + i - 1]! + (q[i - 1] === c ? 0 : 1);
        const insert = rows[prev + i]! + 1;
        const remove = rows[cur + i - 1]! + 1;
        v = Math.min(substitute, insert, remove);
        if (i > 1 && j > 0 && q[i - 1] === path[j - 1] && q[i - 2] === c) {
          const swap = rows[prev - width + i - 2]! + 1;
          if (swap < v) v = swap;
        }
      }
      if (v > inf) v = inf;
      rows[cur + i] = v;
      if (v < min) min = v;
    }
    path[j] = c;
    return min;
  };

  const visit = (node: number, from: number, best: number): void => {
    const base = keyStart[nodeLo[node]!]!;
    const end = nodeDepth[node]!;
    for (let j = from; j < end; j++) {
      if (j >= maxDepth || budget-- <= 0 || matches.length >= maxMatches) return;
      const c = keyChars[base + j]!;
      if (j === 0 && !policy.firstLetterTypo && c !== q[0]) return;
      const min = step(j, c);
      // Cells right of the band were never written: the query's end is out of reach there.
      const distance = m <= j + 1 + d ? rows[(j + 1) * width + m]! : inf;
      if (distance < best) {
        matches.push({ node, distance, matched: j + 1 });
        best = distance;
      }
      // Cells only grow with depth, so nothing below can come closer than this row's minimum.
      if (min >= best || min > d) return;
    }
    for (let child = firstChild[node]!; child < firstChild[node + 1]!; child++) visit(child, end, best);
  };

  visit(0, 0, inf);
  return matches;
}
