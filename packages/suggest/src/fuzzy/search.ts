import type { PrefixIndex } from '../index/prefix-index.js';
import { LevenshteinBand, MAX_EDITS } from './band.js';
import { Frontier } from './frontier.js';
import type { TypoPolicy } from './policy.js';

/** An entry that completes the query, and how. */
export interface Candidate {
  id: number;
  /** Edits between the query and the key's prefix; 0 for an exact prefix match. */
  distance: number;
  /** Length of the key prefix that the query matched (normalized characters). */
  matched: number;
}

// Frontier item kinds. At equal score a node pops before an entry, so entries of equal weight
// still come out by id whatever subtree they wait in.
/** A node being matched against the query: info = packed automaton state | depth << 20. */
const WALK = 0;
/** A node whose whole subtree matched: its top-k list comes next. info = distance | matched << 2. */
const SUBTREE = 1;
/** A matched node's entries beyond its top-k list: its children. info as SUBTREE. */
const REST = 2;
/** An entry: ref = id, info as SUBTREE. */
const ENTRY = 3;

const STATE_BITS = 20;
const STATE_MASK = (1 << STATE_BITS) - 1;
/** Longest query the packed depth can follow (2^11 − 1 − MAX_EDITS characters). */
const MAX_DEPTH = (1 << (31 - STATE_BITS)) - 1;

/** What a typo search is asked for, besides the index and query. */
export interface TypoSearchRequest {
  /** Edits tolerated (1 or 2). */
  maxEdits: number;
  /** How many new entries to find. */
  limit: number;
  policy: TypoPolicy;
  /** Entries already answered (exact matches, earlier passes): never returned again. */
  taken: readonly Candidate[];
  /** Id range [lo, hi) of the exact-prefix matches, skipped as a whole. */
  exactLo: number;
  exactHi: number;
  /** Filters entries (blocklist); a rejected entry does not count towards the limit. */
  accept?: ((id: number) => boolean) | undefined;
}

/**
 * Top completions within a bounded edit distance, by branch and bound over the radix tree.
 *
 * The frontier is ordered by each item's best possible weight: a node's precomputed maximum
 * (the head of its top-k list). Walking a node runs the Levenshtein automaton over its edge
 * label; a node whose state can no longer come within bounds is dropped, a node whose key prefix
 * is within bounds has matched as a whole subtree, which then yields its top-k list and, only if
 * more is needed, its children. Since nothing below an item outweighs it, entries pop in weight
 * order and the search stops as soon as it holds `limit` of them: every node still waiting
 * weighs less than the answers. Unpromising but reachable branches are thus never opened.
 *
 * Work is capped by `policy.maxVisits` per query (automaton steps plus frontier pops, see `begin`);
 * the most popular branches go first, so a search cut short loses the least popular candidates.
 */
export class TypoSearch {
  private readonly frontier = new Frontier();
  private readonly band = new LevenshteinBand();
  /** Work left in the current search. */
  private budget = 0;
  /** The query's first character (for the first-letter policy). */
  private first = 0;

  /** Starts a query's work budget (`policy.maxVisits`), shared by the searches that follow. */
  begin(policy: TypoPolicy): void {
    this.budget = policy.maxVisits;
  }

  /** Up to `limit` entries within `maxEdits`, by weight then id, found within what is left of the budget. */
  run(index: PrefixIndex, query: string, request: TypoSearchRequest): Candidate[] {
    const { maxEdits, limit } = request;
    const found: Candidate[] = [];
    const m = query.length;
    if (index.size === 0 || m === 0 || limit <= 0 || maxEdits < 1) return found;
    if (maxEdits > MAX_EDITS || m + maxEdits > MAX_DEPTH) return found;
    const { nodeLo, nodeHi, nodeDepth, keyStart, firstChild, topStart, topIds, weights, k } = index.arrays;
    const frontier = this.frontier;
    frontier.clear();
    this.first = query.charCodeAt(0);
    frontier.push(index.maxWeight(0), WALK, 0, this.band.reset(query, maxEdits));

    while (frontier.size > 0 && found.length < limit && --this.budget >= 0) {
      const score = frontier.pop();
      const kind = frontier.kind;
      const ref = frontier.ref;
      const info = frontier.info;
      if (kind === WALK) {
        this.walk(index, query, request, ref, score, info & STATE_MASK, info >>> STATE_BITS);
      } else if (kind === ENTRY) {
        if (this.fresh(ref, request, found)) {
          found.push({ id: ref, distance: info & 3, matched: info >>> 2 });
        }
      } else if (nodeLo[ref]! >= request.exactLo && nodeHi[ref]! <= request.exactHi) {
        // Only exact matches below: already answered.
      } else if (kind === SUBTREE) {
        const top = topStart[ref]!;
        if (top < 0) {
          for (let id = nodeLo[ref]!; id < nodeHi[ref]!; id++) frontier.push(weights[id]!, ENTRY, id, info);
        } else {
          for (let i = top; i < top + k; i++) frontier.push(weights[topIds[i]!]!, ENTRY, topIds[i]!, info);
          // Everything outside the top-k list weighs at most its last entry.
          frontier.push(weights[topIds[top + k - 1]!]!, REST, ref, info);
        }
      } else {
        const lo = nodeLo[ref]!;
        if (keyStart[lo + 1]! - keyStart[lo]! === nodeDepth[ref])
          frontier.push(weights[lo]!, ENTRY, lo, info);
        for (let child = firstChild[ref]!; child < firstChild[ref + 1]!; child++) {
          frontier.push(index.maxWeight(child), SUBTREE, child, info);
        }
      }
    }
    return found;
  }

  /**
   * Runs the automaton along a node's edge label from depth `from` (state `state`; `weight` is the
   * node's bound), then tries each child's first character from the state at the node's end,
   * queuing those still in reach.
   */
  private walk(
    index: PrefixIndex,
    query: string,
    request: TypoSearchRequest,
    node: number,
    weight: number,
    state: number,
    from: number,
  ): void {
    const { keyChars, nodeLabel, nodeChar, nodeDepth, firstChild } = index.arrays;
    const { maxEdits, policy } = request;
    const band = this.band;
    const frontier = this.frontier;
    const keepFirst = !policy.firstLetterTypo;
    // The first `oneEditFrom` key characters may hold one edit at most, as a query that short
    // would: two edits there match nearly every short prefix, for little relevance.
    const early = policy.oneEditFrom;
    const end = nodeDepth[node]!;
    // The key character before depth `from`: a node is queued after its first character was read
    // (so it is that one), the root before any. Keeping it in hand spares a read of the label.
    let before = from === 0 ? -1 : nodeChar[node]!;
    band.load(state);
    const label = from < end ? nodeLabel[node]! : 0;
    for (let j = from; j < end; j++) {
      if (--this.budget < 0) return;
      const c = keyChars[label + j]!;
      if (j === 0 && keepFirst && c !== this.first) return;
      const min = band.step(j, c, before);
      before = c;
      const distance = band.distance;
      if (distance <= maxEdits) {
        // Distance 0 is the exact prefix itself, answered before any typo search.
        if (distance > 0) frontier.push(weight, SUBTREE, node, distance | ((j + 1) << 2));
        return;
      }
      if (min > (j + 1 <= early ? 1 : maxEdits)) return;
      band.advance();
    }
    const cap = end + 1 <= early ? 1 : maxEdits;
    const first = firstChild[node]!;
    const last = firstChild[node + 1]!;
    // A character the query does not hold near this depth costs an edit. If even that puts the
    // row out of reach, only children spelled like the query can survive: look those few up among
    // the sorted children instead of stepping the automaton once per child.
    if (--this.budget < 0) return;
    const outside = band.step(end, NO_CHARACTER, before);
    if (band.distance > maxEdits && outside > cap) {
      const from = Math.max(0, end - 1 - maxEdits);
      const to = Math.min(query.length, end + 1 + maxEdits);
      for (let at = from; at < to; at++) {
        const c = query.charCodeAt(at);
        let repeated = false;
        for (let earlier = from; earlier < at && !repeated; earlier++)
          repeated = query.charCodeAt(earlier) === c;
        if (repeated) continue;
        const child = findChild(nodeChar, first, last, c);
        if (child >= 0) this.tryChild(index, request, child, end, before, cap);
      }
      return;
    }
    for (let child = first; child < last; child++) this.tryChild(index, request, child, end, before, cap);
  }

  /** Steps the automaton over a child's first character from its parent's state and queues it if in reach. */
  private tryChild(
    index: PrefixIndex,
    request: TypoSearchRequest,
    child: number,
    end: number,
    before: number,
    cap: number,
  ): void {
    const c = index.arrays.nodeChar[child]!;
    if (end === 0 && !request.policy.firstLetterTypo && c !== this.first) return;
    if (--this.budget < 0) return;
    const band = this.band;
    const min = band.step(end, c, before);
    const distance = band.distance;
    if (distance <= request.maxEdits) {
      if (distance > 0)
        this.frontier.push(index.maxWeight(child), SUBTREE, child, distance | ((end + 1) << 2));
    } else if (min <= cap) {
      this.frontier.push(index.maxWeight(child), WALK, child, band.packStepped() | ((end + 1) << STATE_BITS));
    }
  }

  /** Whether an entry may be returned: not answered already, not an exact match, accepted. */
  private fresh(id: number, request: TypoSearchRequest, found: readonly Candidate[]): boolean {
    if (id >= request.exactLo && id < request.exactHi) return false;
    for (const c of request.taken) if (c.id === id) return false;
    for (const c of found) if (c.id === id) return false;
    return request.accept === undefined || request.accept(id);
  }
}

/** A character code no query holds (code units are 0..0xffff). */
const NO_CHARACTER = -2;

/** The child of [first, last) whose first character is c (children are sorted by it), or −1. */
function findChild(nodeChar: Uint16Array, first: number, last: number, c: number): number {
  let left = first;
  let right = last;
  while (left < right) {
    const mid = (left + right) >>> 1;
    if (nodeChar[mid]! < c) left = mid + 1;
    else right = mid;
  }
  return left < last && nodeChar[left] === c ? left : -1;
}
