/**
 * The sorted-set index: a skip list ordered by (score, member) with spans, so rank and
 * by-rank lookups are O(log n) (a port of Redis's zskiplist in t_zset.c). Members compare as
 * bytes: they are latin1 strings, whose code-unit order is byte order.
 */
const MAX_LEVEL = 32;
const P = 0.25;

export class SkipNode {
  backward: SkipNode | null = null;
  readonly forward: (SkipNode | null)[];
  readonly span: number[];
  constructor(
    public member: string,
    public score: number,
    level: number,
  ) {
    this.forward = new Array<SkipNode | null>(level).fill(null);
    this.span = new Array<number>(level).fill(0);
  }
}

export interface ScoreRange {
  min: number;
  max: number;
  minExclusive: boolean;
  maxExclusive: boolean;
}

/** A lex range; `-` and `+` are represented by the sentinel values below. */
export interface LexRange {
  min: string | typeof LEX_MIN | typeof LEX_MAX;
  max: string | typeof LEX_MIN | typeof LEX_MAX;
  minExclusive: boolean;
  maxExclusive: boolean;
}
export const LEX_MIN = Symbol('-');
export const LEX_MAX = Symbol('+');

function before(score: number, member: string, node: SkipNode): boolean {
  return node.score < score || (node.score === score && node.member < member);
}

export function aboveMin(score: number, range: ScoreRange): boolean {
  return range.minExclusive ? score > range.min : score >= range.min;
}
export function belowMax(score: number, range: ScoreRange): boolean {
  return range.maxExclusive ? score < range.max : score <= range.max;
}
export function lexAboveMin(member: string, range: LexRange): boolean {
  if (range.min === LEX_MIN) return true;
  if (range.min === LEX_MAX) return false;
  return range.minExclusive ? member > range.min : member >= range.min;
}
export function lexBelowMax(member: string, range: LexRange): boolean {
  if (range.max === LEX_MAX) return true;
  if (range.max === LEX_MIN) return false;
  return range.maxExclusive ? member < range.max : member <= range.max;
}

export class SkipList {
  readonly header = new SkipNode('', 0, MAX_LEVEL);
  tail: SkipNode | null = null;
  length = 0;
  private level = 1;

  private randomLevel(): number {
    let level = 1;
    while (Math.random() < P && level < MAX_LEVEL) level++;
    return level;
  }

  insert(score: number, member: string): SkipNode {
    const update = new Array<SkipNode>(MAX_LEVEL);
    const rank = new Array<number>(MAX_LEVEL);
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      rank[i] = i === this.level - 1 ? 0 : rank[i + 1]!;
      let next = x.forward[i];
      while (next && before(score, member, next)) {
        rank[i]! += x.span[i]!;
        x = next;
        next = x.forward[i];
      }
      update[i] = x;
    }
    const level = this.randomLevel();
    if (level > this.level) {
      for (let i = this.level; i < level; i++) {
        rank[i] = 0;
        update[i] = this.header;
        this.header.span[i] = this.length;
      }
      this.level = level;
    }
    const node = new SkipNode(member, score, level);
    for (let i = 0; i < level; i++) {
      const prev = update[i]!;
      node.forward[i] = prev.forward[i]!;
      prev.forward[i] = node;
      node.span[i] = prev.span[i]! - (rank[0]! - rank[i]!);
      prev.span[i] = rank[0]! - rank[i]! + 1;
    }
    for (let i = level; i < this.level; i++) update[i]!.span[i]!++;
    node.backward = update[0] === this.header ? null : update[0]!;
    if (node.forward[0]) node.forward[0].backward = node;
    else this.tail = node;
    this.length++;
    return node;
  }

  delete(score: number, member: string): boolean {
    const update = new Array<SkipNode>(MAX_LEVEL);
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i];
      while (next && before(score, member, next)) {
        x = next;
        next = x.forward[i];
      }
      update[i] = x;
    }
    const target = x.forward[0];
    if (!target || target.score !== score || target.member !== member) return false;
    this.unlink(target, update);
    return true;
  }

  private unlink(node: SkipNode, update: SkipNode[]): void {
    for (let i = 0; i < this.level; i++) {
      const prev = update[i]!;
      if (prev.forward[i] === node) {
        prev.span[i]! += node.span[i]! - 1;
        prev.forward[i] = node.forward[i]!;
      } else {
        prev.span[i]!--;
      }
    }
    if (node.forward[0]) node.forward[0].backward = node.backward;
    else this.tail = node.backward;
    while (this.level > 1 && this.header.forward[this.level - 1] === null) this.level--;
    this.length--;
  }

  /** 1-based rank of an element known to be present, 0 if absent. */
  rank(score: number, member: string): number {
    let rank = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i];
      while (next && (before(score, member, next) || (next.score === score && next.member === member))) {
        rank += x.span[i]!;
        x = next;
        next = x.forward[i];
      }
      if (x !== this.header && x.member === member) return rank;
    }
    return 0;
  }

  /** The node at a 1-based rank. */
  byRank(rank: number): SkipNode | null {
    let traversed = 0;
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i];
      while (next && traversed + x.span[i]! <= rank) {
        traversed += x.span[i]!;
        x = next;
        next = x.forward[i];
      }
      if (traversed === rank) return x;
    }
    return null;
  }

  /** First node whose score is in range. */
  firstInRange(range: ScoreRange): SkipNode | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i];
      while (next && !aboveMin(next.score, range)) {
        x = next;
        next = x.forward[i];
      }
    }
    const node = x.forward[0];
    return node && belowMax(node.score, range) ? node : null;
  }

  /** Last node whose score is in range. */
  lastInRange(range: ScoreRange): SkipNode | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i];
      while (next && belowMax(next.score, range)) {
        x = next;
        next = x.forward[i];
      }
    }
    return x !== this.header && aboveMin(x.score, range) ? x : null;
  }

  firstInLex(range: LexRange): SkipNode | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i];
      while (next && !lexAboveMin(next.member, range)) {
        x = next;
        next = x.forward[i];
      }
    }
    const node = x.forward[0];
    return node && lexBelowMax(node.member, range) ? node : null;
  }

  lastInLex(range: LexRange): SkipNode | null {
    let x = this.header;
    for (let i = this.level - 1; i >= 0; i--) {
      let next = x.forward[i];
      while (next && lexBelowMax(next.member, range)) {
        x = next;
        next = x.forward[i];
      }
    }
    return x !== this.header && lexAboveMin(x.member, range) ? x : null;
  }

  first(): SkipNode | null {
    return this.header.forward[0] ?? null;
  }
}
