/** Characters below this have a position table; rarer ones are found by scanning the query. */
const TABLE_SIZE = 256;
/** Positions the tables cover. */
const TABLE_POSITIONS = 64;
/** Positions `bits` answers for, from its `from` (its mask is 0xff). */
export const WINDOW = 8;

/**
 * A character's class, 0..31, for sets of characters held as one 32-bit mask: a–z and the space
 * each have their own, other characters share the rest, so a mask may admit more than its
 * characters (a set test on it can answer yes wrongly, never no wrongly).
 */
export function charClass(c: number): number {
  return c >= 97 && c <= 122 ? c - 97 : c === 32 ? 26 : 27 + (c % 5);
}

/**
 * Where each character occurs in a query, as bitmasks of positions, so that the Levenshtein
 * automaton learns which query characters in its band equal a key character with one table read
 * (instead of a comparison per cell), and the typo search tells with one read whether a trie
 * child's character occurs in the query near the current depth. Reused from query to query:
 * setting it up clears only the entries the previous query set.
 */
export class QueryChars {
  /** Positions 0..31 and 32..63 of each character below TABLE_SIZE. */
  private readonly low = new Uint32Array(TABLE_SIZE);
  private readonly high = new Uint32Array(TABLE_SIZE);
  private query = '';
  /**
   * `1 << charClass` of each query character at index position + WINDOW, zeros around: a window
   * read needs no bounds checks.
   */
  private classes = new Int32Array(64 + 2 * WINDOW);

  reset(query: string): void {
    for (let i = 0; i < this.query.length && i < TABLE_POSITIONS; i++) {
      const c = this.query.charCodeAt(i);
      if (c < TABLE_SIZE) {
        this.low[c] = 0;
        this.high[c] = 0;
      }
    }
    this.query = query;
    for (let i = 0; i < query.length && i < TABLE_POSITIONS; i++) {
      const c = query.charCodeAt(i);
      if (c >= TABLE_SIZE) continue;
      if (i < 32) this.low[c]! |= 1 << i;
      else this.high[c]! |= 1 << (i - 32);
    }
    if (query.length + 2 * WINDOW > this.classes.length)
      this.classes = new Int32Array(2 * query.length + 2 * WINDOW);
    const classes = this.classes;
    classes.fill(0);
    for (let i = 0; i < query.length; i++) classes[i + WINDOW] = 1 << charClass(query.charCodeAt(i));
  }

  /** The query's character at a position, −1 past either end. */
  charAt(position: number): number {
    return position >= 0 && position < this.query.length ? this.query.charCodeAt(position) : -1;
  }

  /** `1 << charClass` of the query character at a position (from −WINDOW on), 0 past either end. */
  classAt(position: number): number {
    return this.classes[position + WINDOW] ?? 0;
  }

  /**
   * Bit t set when the character at position from + t is in the set `mask` (of `charClass` bits),
   * for t < 6, the positions a step of the automaton reads; `from` may be as low as −WINDOW.
   */
  anyBits(mask: number, from: number): number {
    const classes = this.classes;
    const at = from + WINDOW;
    return (
      ((classes[at]! & mask) !== 0 ? 1 : 0) |
      ((classes[at + 1]! & mask) !== 0 ? 2 : 0) |
      ((classes[at + 2]! & mask) !== 0 ? 4 : 0) |
      ((classes[at + 3]! & mask) !== 0 ? 8 : 0) |
      ((classes[at + 4]! & mask) !== 0 ? 16 : 0) |
      ((classes[at + 5]! & mask) !== 0 ? 32 : 0)
    );
  }

  /**
   * Bit t set when the query holds character c at position from + t, for t < WINDOW (`from` may
   * be negative: there is no character before the query). A negative c matches nothing.
   */
  bits(c: number, from: number): number {
    // The common case first: a table character, a window within positions 0..31.
    if (c >= 0 && c < TABLE_SIZE && from >= 0 && from <= 32 - WINDOW) return (this.low[c]! >>> from) & 0xff;
    if (c < 0) return 0;
    if (c >= TABLE_SIZE || from + WINDOW > TABLE_POSITIONS) {
      let bits = 0;
      for (let t = 0; t < WINDOW; t++) {
        const at = from + t;
        if (at >= 0 && at < this.query.length && this.query.charCodeAt(at) === c) bits |= 1 << t;
      }
      return bits;
    }
    let bits: number;
    if (from <= -32) bits = 0;
    else if (from < 0) bits = this.low[c]! << -from;
    else if (from === 0) bits = this.low[c]!;
    else if (from < 32) bits = (this.low[c]! >>> from) | (this.high[c]! << (32 - from));
    else bits = this.high[c]! >>> (from - 32);
    return bits & 0xff;
  }
}
