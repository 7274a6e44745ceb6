/** Characters below this have a position table; rarer ones are found by scanning the query. */
const TABLE_SIZE = 256;
/** Positions the tables cover. */
const TABLE_POSITIONS = 64;
/** Positions `bits` answers for, from its `from` (its mask is 0xff). */
export const WINDOW = 8;

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
