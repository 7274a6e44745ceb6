/**
 * The search frontier: a binary max-heap of items (score, kind, ref, info) in parallel typed
 * arrays, reused from query to query, so visiting a node allocates nothing (the arrays only
 * double when a search outgrows them). Ties pop the smaller kind, then the smaller ref.
 *
 * A pop leaves a hole at the root that the next push fills (one sift down instead of a sift down
 * for the pop and a sift up for the push): the search pops a node and then queues its children.
 */
export class Frontier {
  private scores = new Float64Array(1024);
  private kinds = new Uint8Array(1024);
  private refs = new Int32Array(1024);
  private infos = new Int32Array(1024);
  /** Slots in use, the root hole included. */
  private used = 0;
  /** Whether slot 0 is a hole left by `pop`. */
  private hole = false;
  /** Kind, ref and info of the item `pop` removed. */
  kind = 0;
  ref = 0;
  info = 0;

  /** Items waiting. */
  get size(): number {
    return this.hole ? this.used - 1 : this.used;
  }

  clear(): void {
    this.used = 0;
    this.hole = false;
  }

  push(score: number, kind: number, ref: number, info: number): void {
    if (this.hole) {
      this.hole = false;
      this.siftDown(0, score, kind, ref, info);
      return;
    }
    if (this.used === this.refs.length) this.grow();
    const { scores, kinds, refs, infos } = this;
    let i = this.used++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const s = scores[parent]!;
      if (
        s > score ||
        (s === score && (kinds[parent]! < kind || (kinds[parent] === kind && refs[parent]! <= ref)))
      ) {
        break;
      }
      scores[i] = s;
      kinds[i] = kinds[parent]!;
      refs[i] = refs[parent]!;
      infos[i] = infos[parent]!;
      i = parent;
    }
    scores[i] = score;
    kinds[i] = kind;
    refs[i] = ref;
    infos[i] = info;
  }

  /** Removes the best item into `kind`, `ref`, `info` and returns its score; the frontier must not be empty. */
  pop(): number {
    if (this.hole) this.fillHole();
    const top = this.scores[0]!;
    this.kind = this.kinds[0]!;
    this.ref = this.refs[0]!;
    this.info = this.infos[0]!;
    this.hole = true;
    return top;
  }

  /** Moves the last item into the root hole. */
  private fillHole(): void {
    this.hole = false;
    const n = --this.used;
    if (n === 0) return;
    this.siftDown(0, this.scores[n]!, this.kinds[n]!, this.refs[n]!, this.infos[n]!);
  }

  /** Places an item at slot i (a hole) or below it, keeping the heap order among the `used` slots. */
  private siftDown(at: number, score: number, kind: number, ref: number, info: number): void {
    const { scores, kinds, refs, infos } = this;
    const n = this.used;
    let i = at;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n && this.above(right, child)) child = right;
      const s = scores[child]!;
      if (
        s < score ||
        (s === score && (kinds[child]! > kind || (kinds[child] === kind && refs[child]! > ref)))
      ) {
        break;
      }
      scores[i] = s;
      kinds[i] = kinds[child]!;
      refs[i] = refs[child]!;
      infos[i] = infos[child]!;
      i = child;
    }
    scores[i] = score;
    kinds[i] = kind;
    refs[i] = ref;
    infos[i] = info;
  }

  /** Whether slot a pops before slot b. */
  private above(a: number, b: number): boolean {
    const { scores, kinds, refs } = this;
    const sa = scores[a]!;
    const sb = scores[b]!;
    if (sa !== sb) return sa > sb;
    if (kinds[a] !== kinds[b]) return kinds[a]! < kinds[b]!;
    return refs[a]! < refs[b]!;
  }

  private grow(): void {
    const capacity = 2 * this.refs.length;
    const scores = new Float64Array(capacity);
    const kinds = new Uint8Array(capacity);
    const refs = new Int32Array(capacity);
    const infos = new Int32Array(capacity);
    scores.set(this.scores);
    kinds.set(this.kinds);
    refs.set(this.refs);
    infos.set(this.infos);
    this.scores = scores;
    this.kinds = kinds;
    this.refs = refs;
    this.infos = infos;
  }
}
