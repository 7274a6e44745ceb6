import {
  aboveMin,
  belowMax,
  type LexRange,
  lexAboveMin,
  lexBelowMax,
  type ScoreRange,
  SkipList,
  type SkipNode,
} from './skiplist.js';

/**
 * A sorted set: member → score in a Map for O(1) ZSCORE, plus a skip list for order and rank.
 * Both always hold the same elements.
 */
export class SortedSet {
  readonly scores = new Map<string, number>();
  readonly list = new SkipList();

  get size(): number {
    return this.scores.size;
  }

  /** Sets a member's score; returns true if the member was new. */
  set(member: string, score: number): boolean {
    const old = this.scores.get(member);
    if (old !== undefined) {
      if (old === score) return false;
      this.list.delete(old, member);
      this.list.insert(score, member);
      this.scores.set(member, score);
      return false;
    }
    this.list.insert(score, member);
    this.scores.set(member, score);
    return true;
  }

  delete(member: string): boolean {
    const score = this.scores.get(member);
    if (score === undefined) return false;
    this.list.delete(score, member);
    this.scores.delete(member);
    return true;
  }

  /** 0-based rank from the lowest score, or undefined if absent. */
  rank(member: string, reverse = false): number | undefined {
    const score = this.scores.get(member);
    if (score === undefined) return undefined;
    const rank = this.list.rank(score, member) - 1;
    return reverse ? this.size - 1 - rank : rank;
  }

  /** Nodes between 0-based ranks (inclusive, already clamped), in order or reversed. */
  rangeByRank(start: number, end: number, reverse: boolean): SkipNode[] {
    const out: SkipNode[] = [];
    if (start > end) return out;
    const count = end - start + 1;
    let node = reverse ? this.list.byRank(this.size - start) : this.list.byRank(start + 1);
    while (node && out.length < count) {
      out.push(node);
      node = reverse ? node.backward : node.forward[0]!;
    }
    return out;
  }

  rangeByScore(range: ScoreRange, reverse: boolean, offset = 0, limit = -1): SkipNode[] {
    const out: SkipNode[] = [];
    let node = reverse ? this.list.lastInRange(range) : this.list.firstInRange(range);
    while (node && offset > 0) {
      node = reverse ? node.backward : node.forward[0]!;
      offset--;
    }
    while (node && limit !== 0) {
      if (reverse ? !aboveMin(node.score, range) : !belowMax(node.score, range)) break;
      out.push(node);
      limit--;
      node = reverse ? node.backward : node.forward[0]!;
    }
    return out;
  }

  rangeByLex(range: LexRange, reverse: boolean, offset = 0, limit = -1): SkipNode[] {
    const out: SkipNode[] = [];
    let node = reverse ? this.list.lastInLex(range) : this.list.firstInLex(range);
    while (node && offset > 0) {
      node = reverse ? node.backward : node.forward[0]!;
      offset--;
    }
    while (
      node &&
      limit !== 0 &&
      (reverse ? lexAboveMin(node.member, range) : lexBelowMax(node.member, range))
    ) {
      out.push(node);
      limit--;
      node = reverse ? node.backward : node.forward[0]!;
    }
    return out;
  }

  *[Symbol.iterator](): IterableIterator<SkipNode> {
    let node = this.list.first();
    while (node) {
      yield node;
      node = node.forward[0]!;
    }
  }
}
