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
  const { keyChars, nodeLabel, nodeChar, nodeDepth, firstChild } = index.arrays;
  const m = query.length;
  const matches: FuzzyMatch[] = [];
  if (index.size === 0 || m === 0 || maxEdits <= 0) return matches;
  const d = maxEdits;
  const inf = d + 1;
  const width = m + 1;
  const maxDepth = m + d;
  const rows = new Uint8Array((maxDepth + 2) * width);
  const q = new Uint16Array(m);
  for (let i = 0; i < m; i++) q[i] = query.charCodeAt(i);
  for (let i = 0; i <= m; i++) rows[i] = i <= d ? i : inf;
  const path = new Uint16Array(maxDepth + 1);
  // Best distance matched on the current path down to each depth.
  const best = new Uint8Array(maxDepth + 2);
  best[0] = inf;
  const q0 = q[0]!;
  const firstLetterTypo = policy.firstLetterTypo;
  // The first `oneEditFrom` key characters may hold one edit at most, as a query that short
  // would: two edits there match nearly every short prefix, for little relevance.
  const early = policy.oneEditFrom;
  let budget = policy.maxRows;

  // Depth-first with an explicit stack (all state in locals, so the hot loop stays in registers).
  // A node is pushed with the depth where its label starts; rows up to that depth belong to its
  // ancestors and stay valid, since a subtree only writes deeper rows.
  const stackNode: number[] = [0];
  const stackFrom: number[] = [0];
  const survivors: number[] = [];
  while (stackNode.length > 0) {
    const node = stackNode.pop()!;
    const from = stackFrom.pop()!;
    const label = nodeLabel[node]!;
    const end = nodeDepth[node]!;
    let alive = true;
    for (let j = from; j < end; j++) {
      if (j >= maxDepth || --budget < 0 || matches.length >= maxMatches) return matches;
      const c = j === from && node !== 0 ? nodeChar[node]! : keyChars[label + j]!;
      if (j === 0 && !firstLetterTypo && c !== q0) {
        alive = false;
        break;
      }
      const min = computeRow(rows, q, path, m, d, j, c);
      const next = j + 1;
      // Cells right of the band were never written: the query's end is out of reach there.
      const distance = m <= next + d ? rows[next * width + m]! : inf;
      let bound = best[j]!;
      if (distance < bound) {
        matches.push({ node, distance, matched: next });
        bound = distance;
      }
      best[next] = bound;
      // Cells only grow with depth, so nothing below can come closer than this row's minimum.
      if (min >= bound || min > (next <= early ? 1 : d)) {
        alive = false;
        break;
      }
    }
    if (!alive || end >= maxDepth) continue;
    // Children's first characters sit side by side in nodeChar: test them here, in one cache line,
    // and push the survivors (their row is recomputed when popped) so that those closest to the
    // query pop first; when the row budget runs out, what is left unexplored is the least likely.
    const bound = best[end]!;
    const cap = end + 1 <= early ? 1 : d;
    survivors.length = 0;
    for (let child = firstChild[node]!; child < firstChild[node + 1]!; child++) {
      const c = nodeChar[child]!;
      if (end === 0 && !firstLetterTypo && c !== q0) continue;
      if (--budget < 0) return matches;
      const min = computeRow(rows, q, path, m, d, end, c);
      const distance = m <= end + 1 + d ? rows[(end + 1) * width + m]! : inf;
      if (distance < bound || (min < bound && min <= cap)) survivors.push(child, min);
    }
    for (let v = inf; v >= 0; v--) {
      for (let k = survivors.length - 2; k >= 0; k -= 2) {
        if (survivors[k + 1] === v) {
          stackNode.push(survivors[k]!);
          stackFrom.push(end);
        }
      }
    }
  }
  return matches;
}

/**
 * Row j + 1 of the DP from row j (and row j − 1 for transpositions) for key character c, inside
 * the band |i − (j + 1)| ≤ d; the cells just outside are set to d + 1. Returns the row's minimum.
 */
function computeRow(
  rows: Uint8Array,
  q: Uint16Array,
  path: Uint16Array,
  m: number,
  d: number,
  j: number,
  c: number,
): number {
  const inf = d + 1;
  const width = m + 1;
  const prev = j * width;
  const cur = prev + width;
  const next = j + 1;
  const low = next > d ? next - d : 0;
  const high = Math.min(next + d, m);
  if (low > 0) rows[cur + low - 1] = inf;
  if (high < m) rows[cur + high + 1] = inf;
  const before = j > 0 ? path[j - 1]! : -1;
  let min = inf;
  for (let i = low; i <= high; i++) {
    let v = next;
    if (i > 0) {
      const qi = q[i - 1]!;
      v = rows[prev + i - 1]! + (qi === c ? 0 : 1);
      const insert = rows[prev + i]! + 1;
      if (insert < v) v = insert;
      const remove = rows[cur + i - 1]! + 1;
      if (remove < v) v = remove;
      if (i > 1 && qi === before && q[i - 2] === c) {
        const swap = rows[prev - width + i - 2]! + 1;
        if (swap < v) v = swap;
      }
      if (v > inf) v = inf;
    }
    rows[cur + i] = v;
    if (v < min) min = v;
  }
  path[j] = c;
  return min;
}
