/** Words of one item: its score (a float64) over words 0–1, then key and info. */
const SLOT = 4;
const KEY = 2;
const INFO = 3;
const KIND_SHIFT = 28;
const REF_MASK = (1 << KIND_SHIFT) - 1;

/**
 * The search frontier: a binary max-heap of items (score, kind, ref, info), reused from query to
 * query, so visiting a node allocates nothing (its buffer only doubles when a search outgrows it).
 * Ties pop the smaller kind, then the smaller ref. An item is 16 bytes of one buffer (score, kind
 * and ref in one key word, info), so comparing or moving it touches one cache line, not four.
 * Kinds are below 8 and refs below 2^28.
 *
 * A pop leaves a hole at the root that the next push fills (one sift down instead of a sift down
 * for the pop and a sift up for the push): the search pops a node and then queues its children.
 */
export class Frontier {
  /** The items' words; `scores` views the same buffer (slot i's score at 2i). */
  private words = new Int32Array(1024 * SLOT);
  private scores = new Float64Array(this.words.buffer);
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
    const key = (kind << KIND_SHIFT) | ref;
    if (this.hole) {
      this.hole = false;
      this.siftDown(0, score, key, info);
      return;
    }
    if (this.used * SLOT === this.words.length) this.grow();
    const { scores, words } = this;
    let i = this.used++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const s = scores[2 * parent]!;
      if (s > score || (s === score && words[parent * SLOT + KEY]! <= key)) break;
      scores[2 * i] = s;
      words[i * SLOT + KEY] = words[parent * SLOT + KEY]!;
      words[i * SLOT + INFO] = words[parent * SLOT + INFO]!;
      i = parent;
    }
    scores[2 * i] = score;
    words[i * SLOT + KEY] = key;
    words[i * SLOT + INFO] = info;
  }

  /** Removes the best item into `kind`, `ref`, `info` and returns its score; the frontier must not be empty. */
  pop(): number {
    if (this.hole) this.fillHole();
    const key = this.words[KEY]!;
    this.kind = key >>> KIND_SHIFT;
    this.ref = key & REF_MASK;
    this.info = this.words[INFO]!;
    this.hole = true;
    return this.scores[0]!;
  }

  /** Moves the last item into the root hole. */
  private fillHole(): void {
    this.hole = false;
    const n = --this.used;
    if (n === 0) return;
    this.siftDown(0, this.scores[2 * n]!, this.words[n * SLOT + KEY]!, this.words[n * SLOT + INFO]!);
  }

  /** Places an item at slot i (a hole) or below it, keeping the heap order among the `used` slots. */
  private siftDown(at: number, score: number, key: number, info: number): void {
    const { scores, words } = this;
    const n = this.used;
    let i = at;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      let s = scores[2 * child]!;
      let k = words[child * SLOT + KEY]!;
      const right = child + 1;
      if (right < n) {
        const sr = scores[2 * right]!;
        const kr = words[right * SLOT + KEY]!;
        if (sr > s || (sr === s && kr < k)) {
          child = right;
          s = sr;
          k = kr;
        }
      }
      if (s < score || (s === score && k > key)) break;
      scores[2 * i] = s;
      words[i * SLOT + KEY] = k;
      words[i * SLOT + INFO] = words[child * SLOT + INFO]!;
      i = child;
    }
    scores[2 * i] = score;
    words[i * SLOT + KEY] = key;
    words[i * SLOT + INFO] = info;
  }

  private grow(): void {
    const words = new Int32Array(2 * this.words.length);
    words.set(this.words);
    this.words = words;
    this.scores = new Float64Array(words.buffer);
  }
}
