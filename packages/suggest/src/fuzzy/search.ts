import { NODE_CHILD, NODE_LABEL, NODE_MAX, NODE_SHAPE, NODE_STRIDE } from '../index/layout.js';
import type { PrefixIndex } from '../index/prefix-index.js';
import { LevenshteinBand, MAX_EDITS } from './band.js';
import { Frontier } from './frontier.js';
import type { TypoPolicy } from './policy.js';
import { charClass } from './query-chars.js';

// Module-local copies of the record layout: V8 folds these into the hot loops, not imported bindings.
const STRIDE = NODE_STRIDE;
const SHAPE = NODE_SHAPE;
const LABEL = NODE_LABEL;
const CHILD = NODE_CHILD;
const MAX = NODE_MAX;

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
/**
 * A node being matched against the query: info = packed automaton state | depth << 20 |
 * (target − 1) << 30, where target is the largest distance still worth reporting below it.
 */
const WALK = 0;
/** A node whose whole subtree matched: its top-k list comes next. info = distance | matched << 2. */
const SUBTREE = 1;
/** A matched node's entries beyond its top-k list: its children. info as SUBTREE. */
const REST = 2;
/** An entry: ref = id, info as SUBTREE. */
const ENTRY = 3;

const STATE_BITS = 20;
const STATE_MASK = (1 << STATE_BITS) - 1;
const DEPTH_BITS = 10;
const DEPTH_MASK = (1 << DEPTH_BITS) - 1;
const TARGET_SHIFT = STATE_BITS + DEPTH_BITS;
/** Longest query the packed depth can follow. */
const MAX_DEPTH = DEPTH_MASK - MAX_EDITS;

/** What a typo search is asked for, besides the index and query. */
export interface TypoSearchRequest {
  /** Edits tolerated (1 or 2). */
  maxEdits: number;
  /** How many new entries to find. */
  limit: number;
  policy: TypoPolicy;
  /** Entries already answered (the exact matches): never returned again. */
  taken: readonly Candidate[];
  /** Id range [lo, hi) of the exact-prefix matches, skipped as a whole. */
  exactLo: number;
  exactHi: number;
  /** Filters entries (blocklist); a rejected entry does not count towards the limit. */
  accept?: ((id: number) => boolean) | undefined;
}

/**
 * Top completions within a bounded edit distance, by branch and bound over the radix tree, in
 * the order of the answer: by distance (the smallest over the key's prefixes), then weight, then id.
 *
 * There is one frontier per distance (in each part, see below), each ordered by its items' best
 * possible weight (a node's precomputed maximum): an item waits in the frontier of the smallest
 * distance anything below it can have, and the frontier of distance 1 is emptied before that of
 * distance 2 is touched. Walking a node runs the Levenshtein automaton over its edge label; a
 * node whose state can no longer come within bounds is dropped, a node whose key prefix is within
 * bounds has matched as a whole subtree, which then yields its top-k list and, only if more is
 * needed, its children. If its key prefix is 2 edits away but a longer one may be 1 edit away,
 * the walk also goes on looking for that, and an entry found both ways keeps the smaller distance
 * (the first found). Since nothing below an item outweighs it, entries pop in the answer's order
 * and the search stops as soon as it holds `limit` of them: unpromising but reachable branches
 * are never opened, and the one-edit neighbourhood is walked once, not again for two edits.
 *
 * The keys that keep the query's first letter and the others are searched apart (their answers
 * merged), in the order one edit with the first letter, two edits with it, one edit without, two
 * without. Work is capped by `policy.maxVisits` per query (automaton steps plus frontier pops, see
 * `begin`); within each part the most popular branches go first, so a search cut short loses the
 * least popular candidates of the last parts: first-letter typos at two edits, then at one.
 */
export class TypoSearch {
  /**
   * Items whose subtree may hold entries at distance 1, and those at distance 2 at best: under
   * the root's child spelled with the query's first letter (same), and under the others.
   */
  private readonly nearSame = new Frontier();
  private readonly farSame = new Frontier();
  private readonly nearOther = new Frontier();
  private readonly farOther = new Frontier();
  /** Whether the node being walked is under a root branch of another first letter than the query's. */
  private other = false;
  private readonly band = new LevenshteinBand();
  /** Work left in the current search. */
  private budget = 0;
  /** The query's first character (for the first-letter policy) and its length. */
  private first = 0;
  private length = 0;
  /**
   * Nodes met while a node of the two-edit frontier is walked: with both edits spent, all that can
   * follow is the query's own characters, so such a walk is a few short descents, run to the end
   * at once on this stack (node, weight bound, info) rather than node by node through the frontier.
   * What they match still waits in the frontier, in weight order.
   */
  private spent = new Int32Array(256);
  private spentInfo = new Int32Array(256);
  private spentWeight = new Float64Array(256);
  private spentSize = 0;
  /** Whether the node being walked came from the two-edit frontier. */
  private inFar = false;

  /** Starts a query's work budget (`policy.maxVisits`). */
  begin(policy: TypoPolicy): void {
    this.budget = policy.maxVisits;
  }

  /** Up to `limit` entries within `maxEdits`, by distance, weight then id, found within what is left of the budget. */
  run(index: PrefixIndex, query: string, request: TypoSearchRequest): Candidate[] {
    const { maxEdits, limit } = request;
    const m = query.length;
    if (index.size === 0 || m === 0 || limit <= 0 || maxEdits < 1) return [];
    if (maxEdits > MAX_EDITS || m + maxEdits > MAX_DEPTH) return [];
    const { weights } = index.arrays;
    const { nearSame, farSame, nearOther, farOther } = this;
    nearSame.clear();
    farSame.clear();
    nearOther.clear();
    farOther.clear();
    this.first = query.charCodeAt(0);
    this.length = m;
    nearSame.push(
      index.maxWeight(0),
      WALK,
      0,
      this.band.reset(query, maxEdits) | ((maxEdits - 1) << TARGET_SHIFT),
    );
    // The keys that keep the query's first letter and those that do not are disjoint, so the top
    // of all is the merge of each one's top. Each is searched on its own so that a capped search
    // spends its budget where most intended keys are: those with the query's first letter (one
    // edit, then two), then the others, whose two-edit neighbourhood is the largest. A part stops
    // early once the other part's answers fill the limit ahead of anything it could still find.
    const same: Candidate[] = [];
    const other: Candidate[] = [];
    this.drain(index, request, nearSame, same, other, 1);
    this.drain(index, request, farSame, same, other, 2);
    this.drain(index, request, nearOther, other, same, 1);
    this.drain(index, request, farOther, other, same, 2);
    if (other.length === 0) return same;
    if (same.length === 0) return other;
    const merged: Candidate[] = [];
    let i = 0;
    let j = 0;
    while (merged.length < limit && (i < same.length || j < other.length)) {
      const a = same[i];
      const b = other[j];
      if (b === undefined || (a !== undefined && ranksBefore(a, b, weights))) {
        merged.push(a!);
        i++;
      } else {
        merged.push(b);
        j++;
      }
    }
    return merged;
  }

  /**
   * Pops one frontier (of items `distance` edits away at best) until its part's answers (`found`)
   * fill the limit, it is empty, the budget is spent, or `rival`'s answers (the other part's)
   * rank enough entries ahead of its best item that nothing it holds can make the top `limit`.
   */
  private drain(
    index: PrefixIndex,
    request: TypoSearchRequest,
    frontier: Frontier,
    found: Candidate[],
    rival: readonly Candidate[],
    distance: number,
  ): void {
    const { limit } = request;
    const { nodeLo, nodeHi, nodes, keyStart, topStart, topIds, weights, k } = index.arrays;
    const nodeMax = index.nodeMax;
    const other = frontier === this.nearOther || frontier === this.farOther;
    const far = distance === 2;
    while (found.length < limit && frontier.size > 0 && --this.budget >= 0) {
      const score = frontier.pop();
      const ahead = rival[limit - found.length - 1];
      if (
        ahead !== undefined &&
        (ahead.distance < distance || (ahead.distance === distance && weights[ahead.id]! > score))
      )
        return;
      const kind = frontier.kind;
      const ref = frontier.ref;
      const info = frontier.info;
      this.other = other;
      if (kind === WALK) {
        this.inFar = far;
        this.walk(index, request, ref, score, info);
        while (this.spentSize > 0 && --this.budget >= 0) {
          const top = --this.spentSize;
          this.walk(index, request, this.spent[top]!, this.spentWeight[top]!, this.spentInfo[top]!);
        }
        this.spentSize = 0;
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
        const at = ref * STRIDE;
        if (keyStart[lo + 1]! - keyStart[lo]! === (nodes[at + SHAPE]! & 0xffff))
          frontier.push(weights[lo]!, ENTRY, lo, info);
        const last = nodes[at + STRIDE + CHILD]!;
        for (let child = nodes[at + CHILD]!; child < last; child++) {
          frontier.push(nodeMax[child * STRIDE + MAX]!, SUBTREE, child, info);
        }
      }
    }
  }

  /**
   * Runs the automaton along a node's edge label from the depth and state in `info` (`weight` is
   * the node's bound), then tries each child's first character from the state at the node's end,
   * queuing those still in reach.
   */
  private walk(
    index: PrefixIndex,
    request: TypoSearchRequest,
    node: number,
    weight: number,
    info: number,
  ): void {
    const { keyChars, nodes } = index.arrays;
    const { maxEdits, policy } = request;
    const band = this.band;
    const at = node * STRIDE;
    const shape = nodes[at + SHAPE]!;
    const from = (info >>> STATE_BITS) & DEPTH_MASK;
    let target = (info >>> TARGET_SHIFT) + 1;
    const keepFirst = !policy.firstLetterTypo;
    // The first `oneEditFrom` key characters may hold one edit at most, as a query that short
    // would: two edits there match nearly every short prefix, for little relevance.
    const early = policy.oneEditFrom;
    const end = shape & 0xffff;
    // The key character before depth `from`: a node is queued after its first character was read
    // (so it is that one), the root before any. Keeping it in hand spares a read of the label.
    let before = from === 0 ? -1 : shape >>> 16;
    band.load(info & STATE_MASK);
    const label = from < end ? nodes[at + LABEL]! : 0;
    for (let j = from; j < end; j++) {
      if (--this.budget < 0) return;
      const c = keyChars[label + j]!;
      if (j === 0 && keepFirst && c !== this.first) return;
      const min = band.step(j, c, before);
      before = c;
      const distance = band.distance;
      if (distance <= target) {
        // Distance 0 is the exact prefix itself, answered before any typo search.
        if (distance === 0) return;
        this.push(distance, weight, SUBTREE, node, distance | ((j + 1) << 2));
        // Two edits here, but a longer prefix may be one edit away: go on looking for that only.
        if (distance === 1 || min > 1) return;
        target = 1;
      }
      if (min > Math.min(target, j + 1 <= early ? 1 : maxEdits)) return;
      band.advance();
    }
    const cap = Math.min(target, end + 1 <= early ? 1 : maxEdits);
    const first = nodes[at + CHILD]!;
    const last = nodes[at + STRIDE + CHILD]!;
    // A character the query does not hold near this depth (positions end − 1 − d .. end + d: the
    // band's cells and, for a transposition, one before) costs an edit: every such child reaches
    // this same row. If it is out of reach, only children spelled like the query can survive: a
    // test per child finds those few without stepping the automaton once per child.
    if (--this.budget < 0) return;
    const outside = band.step(end, NO_CHARACTER, before);
    const chars = band.chars;
    const nodeChar = index.nodeChar;
    // The first of those positions.
    const around = end - 1 - maxEdits;
    if (band.distance > target && outside > cap) {
      // The characters that match the query where the row is at the cap, or transpose with it.
      // (A match within a wider target, near the start, is left to the plain window test.)
      const keep = cap === target || end + 1 + maxEdits < this.length ? band.keepers(end, cap, before) : -1;
      if (keep !== -1) {
        for (let child = first; child < last; child++) {
          if (((1 << charClass(nodeChar[child]!)) & keep) !== 0)
            this.tryChild(index, request, child, end, before, cap, target);
        }
        return;
      }
      const window = (1 << (2 * maxEdits + 2)) - 1;
      for (let child = first; child < last; child++) {
        if ((chars.bits(nodeChar[child]!, around) & window) !== 0)
          this.tryChild(index, request, child, end, before, cap, target);
      }
      return;
    }
    // If that row leaves no edit for the character after theirs and no match can end there, those
    // children live only if that character is one the query holds where the row is alive: their
    // masks of what follows tell, without a step per child. (One more query position is checked
    // for a child to count as outside, so that no transposition can involve it either.)
    const next = Math.min(target, end + 2 <= early ? 1 : maxEdits);
    let needs = -1;
    if (band.distance > target && outside === next && (next === target || end + 2 + maxEdits < this.length)) {
      const parent = band.pack();
      band.advance();
      needs = band.keepers(end + 1, next, -1);
      band.load(parent);
    }
    if (needs === -1) {
      for (let child = first; child < last; child++)
        this.tryChild(index, request, child, end, before, cap, target);
      return;
    }
    const wide = (1 << (2 * maxEdits + 3)) - 1;
    const follows = index.nodeFollow;
    for (let child = first; child < last; child++) {
      if ((follows[2 * child]! & needs) !== 0 || (chars.bits(nodeChar[child]!, around) & wide) !== 0)
        this.tryChild(index, request, child, end, before, cap, target);
    }
  }

  /** Steps the automaton over a child's first character from its parent's state and queues it if in reach. */
  private tryChild(
    index: PrefixIndex,
    request: TypoSearchRequest,
    child: number,
    end: number,
    before: number,
    cap: number,
    target: number,
  ): void {
    const c = index.nodeChar[child]!;
    if (end === 0) {
      if (!request.policy.firstLetterTypo && c !== this.first) return;
      this.other = c !== this.first;
    }
    if (--this.budget < 0) return;
    const band = this.band;
    const min = band.step(end, c, before);
    const distance = band.distance;
    // The child's record (its weight) is read only for a child that gets queued: most do not.
    if (distance <= target) {
      if (distance === 0) return;
      const weight = index.nodeMax[child * STRIDE + MAX]!;
      this.push(distance, weight, SUBTREE, child, distance | ((end + 1) << 2));
      // As in `walk`: a longer prefix may still be one edit away.
      if (distance === 2 && min <= 1)
        this.push(1, weight, WALK, child, band.packStepped() | ((end + 1) << STATE_BITS));
    } else if (min <= cap) {
      const state = band.packStepped() | ((end + 1) << STATE_BITS) | ((target - 1) << TARGET_SHIFT);
      // Look two characters ahead: most children queued here would die there, after a pop, a read
      // of their record, of their label and of their children's characters. What comes there is
      // known as sets of characters (from the label or the descendants' first characters): a step
      // over a set bounds those over its characters from below.
      const follows = index.nodeFollow;
      const one = follows[2 * child]!;
      if (one === 0) return;
      if (--this.budget < 0) return;
      const { maxEdits, policy } = request;
      const early = policy.oneEditFrom;
      const parent = band.pack();
      band.advance();
      const ahead = band.stepAny(end + 1, one, 1 << charClass(c));
      let alive = band.distance <= target;
      const two = follows[2 * child + 1]!;
      if (!alive && two !== 0 && ahead <= Math.min(target, end + 2 <= early ? 1 : maxEdits)) {
        band.advance();
        const further = band.stepAny(end + 2, two, one);
        alive = band.distance <= target || further <= Math.min(target, end + 3 <= early ? 1 : maxEdits);
      }
      band.load(parent);
      if (!alive) return;
      const weight = index.nodeMax[child * STRIDE + MAX]!;
      if (this.inFar) this.pushSpent(child, weight, state);
      else this.push(min > 1 ? 2 : 1, weight, WALK, child, state);
    }
  }

  private pushSpent(node: number, weight: number, info: number): void {
    if (this.spentSize === this.spent.length) {
      const grow = <T extends Int32Array | Float64Array>(array: T, make: (n: number) => T): T => {
        const bigger = make(2 * array.length);
        bigger.set(array);
        return bigger;
      };
      this.spent = grow(this.spent, (n) => new Int32Array(n));
      this.spentInfo = grow(this.spentInfo, (n) => new Int32Array(n));
      this.spentWeight = grow(this.spentWeight, (n) => new Float64Array(n));
    }
    this.spent[this.spentSize] = node;
    this.spentInfo[this.spentSize] = info;
    this.spentWeight[this.spentSize++] = weight;
  }

  /** Queues an item in the frontier of the smallest distance anything below it can have. */
  private push(distance: number, score: number, kind: number, ref: number, info: number): void {
    if (this.other) (distance <= 1 ? this.nearOther : this.farOther).push(score, kind, ref, info);
    else (distance <= 1 ? this.nearSame : this.farSame).push(score, kind, ref, info);
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

/** Whether a comes before b in an answer: fewer edits, then heavier, then the smaller id. */
function ranksBefore(a: Candidate, b: Candidate, weights: Float64Array): boolean {
  if (a.distance !== b.distance) return a.distance < b.distance;
  const wa = weights[a.id]!;
  const wb = weights[b.id]!;
  return wa !== wb ? wa > wb : a.id < b.id;
}
