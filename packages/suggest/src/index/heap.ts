/**
 * A binary max-heap of (score, ref) pairs in parallel arrays, for the best-first walk of the
 * index. Ties pop the smaller ref first, so the walk is deterministic.
 */
export class MaxHeap {
  private scores: number[] = [];
  private refs: number[] = [];

  get size(): number {
    return this.refs.length;
  }

  clear(): void {
    this.scores.length = 0;
    this.refs.length = 0;
  }

  push(score: number, ref: number): void {
    const { scores, refs } = this;
    let i = refs.length;
    scores.push(score);
    refs.push(ref);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.above(score, ref, scores[parent]!, refs[parent]!)) break;
      scores[i] = scores[parent]!;
      refs[i] = refs[parent]!;
      i = parent;
    }
    scores[i] = score;
    refs[i] = ref;
  }

  /** Removes the top pair and returns its ref; the heap must not be empty. */
  pop(): number {
    const { scores, refs } = this;
    const top = refs[0]!;
    const lastScore = scores.pop()!;
    const lastRef = refs.pop()!;
    const n = refs.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child =
        right < n && this.above(scores[right]!, refs[right]!, scores[left]!, refs[left]!) ? right : left;
      if (!this.above(scores[child]!, refs[child]!, lastScore, lastRef)) break;
      scores[i] = scores[child]!;
      refs[i] = refs[child]!;
      i = child;
    }
    scores[i] = lastScore;
    refs[i] = lastRef;
    return top;
  }

  private above(scoreA: number, refA: number, scoreB: number, refB: number): boolean {
    return scoreA > scoreB || (scoreA === scoreB && refA < refB);
  }
}
