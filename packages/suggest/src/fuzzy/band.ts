/** Largest edit distance a band can hold: cells store 0..d + 1 in two bits. */
export const MAX_EDITS = 2;

const CELL_BITS = 2;
const CELL_MASK = 3;
/** Bits of one packed row (2d + 1 cells at d = MAX_EDITS). */
const ROW_BITS = (2 * MAX_EDITS + 1) * CELL_BITS;
const ROW_MASK = (1 << ROW_BITS) - 1;

/**
 * A Levenshtein automaton for the optimal-string-alignment distance (a transposition of neighbours
 * is one edit) between a query and the prefixes of keys, run one key character at a time.
 *
 * Its state after j key characters is the diagonal band of the DP row j: only cells
 * i ∈ [j − d, j + d] (query prefixes of length i) can be within d edits, so the row is 2d + 1
 * cells of value 0..d + 1 (d + 1 meaning "too far"). Row j − 1 is kept too, for transpositions.
 * Packed two bits a cell, both rows fit one 20-bit integer, which is what the search stores per
 * frontier item; stepping works on three small scratch rows, so it allocates nothing.
 *
 * Cell t of row j stands for i = j − d + t. Seen that way every DP dependency of cell t in row
 * j + 1 is cell t of row j (substitution), t + 1 of row j (key character skipped), t − 1 of row
 * j + 1 (query character skipped) and t of row j − 1 (transposition).
 */
export class LevenshteinBand {
  private query = new Uint16Array(64);
  private m = 0;
  private d = 0;
  private width = 1;
  private older = new Int32Array(2 * MAX_EDITS + 1);
  private row = new Int32Array(2 * MAX_EDITS + 1);
  private next = new Int32Array(2 * MAX_EDITS + 1);
  /** Distance between the whole query and the key prefix read so far (d + 1: too far). */
  distance = 0;

  /** Prepares for a query and an edit bound; returns the packed state before any key character. */
  reset(query: string, maxEdits: number): number {
    if (maxEdits < 1 || maxEdits > MAX_EDITS) throw new RangeError(`maxEdits must be 1..${MAX_EDITS}`);
    const m = query.length;
    if (this.query.length < m) this.query = new Uint16Array(2 * m);
    for (let i = 0; i < m; i++) this.query[i] = query.charCodeAt(i);
    this.m = m;
    this.d = maxEdits;
    this.width = 2 * maxEdits + 1;
    const inf = maxEdits + 1;
    // Row 0: the distance from a query prefix of length i to the empty key prefix is i.
    for (let t = 0; t < this.width; t++) {
      const i = t - maxEdits;
      this.row[t] = i < 0 || i > m ? inf : i;
      this.older[t] = inf;
    }
    return this.pack();
  }

  /** Loads a packed state (rows j and j − 1). */
  load(packed: number): void {
    const { row, older, width } = this;
    let bits = packed;
    for (let t = 0; t < width; t++, bits >>>= CELL_BITS) row[t] = bits & CELL_MASK;
    bits = packed >>> ROW_BITS;
    for (let t = 0; t < width; t++, bits >>>= CELL_BITS) older[t] = bits & CELL_MASK;
  }

  /** The current state, packed. */
  pack(): number {
    return this.packRows(this.row, this.older);
  }

  /** The state `step` computed, packed, without moving to it. */
  packStepped(): number {
    return this.packRows(this.next, this.row);
  }

  /** Moves to the state `step` computed: row j + 1 becomes the current row, row j the older one. */
  advance(): void {
    const older = this.older;
    this.older = this.row;
    this.row = this.next;
    this.next = older;
  }

  /**
   * Computes row j + 1 for key character `c` at position j (`before` is the key character at
   * j − 1, or −1), without moving to it (see `advance`), so the children of a node can each be
   * tried from the same state. Returns the row's minimum: no longer key can come closer than
   * that. `distance` is then the distance of the whole query to the key prefix of length j + 1.
   */
  step(j: number, c: number, before: number): number {
    const { query, m, d, width } = this;
    const inf = d + 1;
    const older = this.older;
    const row = this.row;
    const next = this.next;
    const base = j + 1 - d;
    let min = inf;
    for (let t = 0; t < width; t++) {
      const i = base + t;
      let v: number;
      if (i < 0 || i > m) v = inf;
      else if (i === 0) v = j + 1 < inf ? j + 1 : inf;
      else {
        const qi = query[i - 1]!;
        v = row[t]! + (qi === c ? 0 : 1);
        if (t + 1 < width && row[t + 1]! + 1 < v) v = row[t + 1]! + 1;
        if (t > 0 && next[t - 1]! + 1 < v) v = next[t - 1]! + 1;
        if (i > 1 && qi === before && query[i - 2] === c && older[t]! + 1 < v) v = older[t]! + 1;
        if (v > inf) v = inf;
      }
      next[t] = v;
      if (v < min) min = v;
    }
    const last = m - base;
    this.distance = last >= 0 && last < width ? next[last]! : inf;
    return min;
  }

  private packRows(current: Int32Array, previous: Int32Array): number {
    let low = 0;
    let high = 0;
    for (let t = this.width - 1; t >= 0; t--) {
      low = (low << CELL_BITS) | current[t]!;
      high = (high << CELL_BITS) | previous[t]!;
    }
    return high * (1 << ROW_BITS) + (low & ROW_MASK);
  }
}
