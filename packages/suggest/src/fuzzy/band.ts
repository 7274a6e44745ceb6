import { QueryChars } from './query-chars.js';

/** Largest edit distance a band can hold: cells store 0..d + 1 in two bits. */
export const MAX_EDITS = 2;

const CELL_BITS = 2;
/** Bits of one packed row (2d + 1 cells at d = MAX_EDITS). */
const ROW_BITS = (2 * MAX_EDITS + 1) * CELL_BITS;
const ROW_MASK = (1 << ROW_BITS) - 1;

/** SPREAD[x]: bit t of x moved to bit 2t, the low bit of cell t. */
const SPREAD = Uint16Array.from({ length: 1 << (2 * MAX_EDITS + 1) }, (_, x) => {
  let out = 0;
  for (let t = 0; t < 2 * MAX_EDITS + 1; t++) if (x & (1 << t)) out |= 1 << (CELL_BITS * t);
  return out;
});

/**
 * A Levenshtein automaton for the optimal-string-alignment distance (a transposition of neighbours
 * is one edit) between a query and the prefixes of keys, run one key character at a time.
 *
 * Its state after j key characters is the diagonal band of the DP row j: only cells
 * i ∈ [j − d, j + d] (query prefixes of length i) can be within d edits, so the row is 2d + 1
 * cells of value 0..d + 1 (d + 1 meaning "too far"). Row j − 1 is kept too, for transpositions.
 * Packed two bits a cell, both rows fit one 20-bit integer, which is what the search stores per
 * frontier item.
 *
 * Cell t of row j stands for i = j − d + t. Seen that way every DP dependency of cell t in row
 * j + 1 is cell t of row j (substitution), t + 1 of row j (key character skipped), t − 1 of row
 * j + 1 (query character skipped) and t of row j − 1 (transposition). A step is bit-parallel over
 * the cells (Wu–Manber style): R_k, the cells ≤ k, is read off the packed row with two masks, and
 *   N_0 = R_0 & Eq
 *   N_k = (R_k & Eq) | R_(k−1) | R_(k−1) >> 1 cell | N_(k−1) << 1 cell | (Older_(k−1) & Tr)
 * where Eq marks the cells whose query character equals the key character and Tr those where the
 * last two are swapped; the new packed row is (d + 1) − (N_0 + … + N_d) per cell. No loop over
 * cells, no branch per cell, nothing allocated.
 */
export class LevenshteinBand {
  /** Where each character occurs in the current query. */
  readonly chars = new QueryChars();
  private m = 0;
  private d = 0;
  /** One low bit per cell of the band (`SPREAD` of the band's width). */
  private ones = 0;
  private row = 0;
  private older = 0;
  private next = 0;
  /** Distance between the whole query and the key prefix read so far (d + 1: too far). */
  distance = 0;

  /** Prepares for a query and an edit bound; returns the packed state before any key character. */
  reset(query: string, maxEdits: number): number {
    if (maxEdits < 1 || maxEdits > MAX_EDITS) throw new RangeError(`maxEdits must be 1..${MAX_EDITS}`);
    const m = query.length;
    this.chars.reset(query);
    this.m = m;
    this.d = maxEdits;
    const width = 2 * maxEdits + 1;
    this.ones = SPREAD[(1 << width) - 1]!;
    const inf = maxEdits + 1;
    // Row 0: the distance from a query prefix of length i to the empty key prefix is i.
    let row = 0;
    let older = 0;
    for (let t = width - 1; t >= 0; t--) {
      const i = t - maxEdits;
      row = (row << CELL_BITS) | (i < 0 || i > m ? inf : i);
      older = (older << CELL_BITS) | inf;
    }
    this.row = row;
    this.older = older;
    return this.pack();
  }

  /** Loads a packed state (rows j and j − 1). */
  load(packed: number): void {
    this.row = packed & ROW_MASK;
    this.older = packed >>> ROW_BITS;
  }

  /** The current state, packed. */
  pack(): number {
    return this.row | (this.older << ROW_BITS);
  }

  /** The state `step` computed, packed, without moving to it. */
  packStepped(): number {
    return this.next | (this.row << ROW_BITS);
  }

  /** Moves to the state `step` computed: row j + 1 becomes the current row, row j the older one. */
  advance(): void {
    this.older = this.row;
    this.row = this.next;
  }

  /**
   * Computes row j + 1 for key character `c` at position j (`before` is the key character at
   * j − 1, or −1), without moving to it (see `advance`), so the children of a node can each be
   * tried from the same state. Returns the row's minimum: no longer key can come closer than
   * that. `distance` is then the distance of the whole query to the key prefix of length j + 1.
   */
  step(j: number, c: number, before: number): number {
    // Cell t of row j + 1 compares query position j − d + t (that is i − 1) with c.
    const from = j - this.d;
    return this.stepSeen(j, this.chars.bits(c, from - 1), before < 0 ? 0 : this.chars.bits(before, from));
  }

  /**
   * As `step`, for key characters known only to be among sets (`charClass` masks: `mask` at j,
   * `before` at j − 1, 0 for none): each cell of the row it computes is at most that of any
   * characters of the sets (a character matches wherever one of its set would), so its minimum
   * and distance bound theirs from below.
   */
  stepAny(j: number, mask: number, before: number): number {
    const from = j - this.d;
    return this.stepSeen(j, this.chars.anyBits(mask, from - 1), this.chars.anyBits(before, from));
  }

  /**
   * The `charClass` mask of the key characters at j that can keep a cell of row j + 1 within
   * `bound`, when no cell of row j is below it (else −1: any character can, at the price of an
   * edit). Every move but a match then adds an edit, so what can keep a cell is a match on a cell
   * at `bound`, or a transposition with `before` (the key character at j − 1; negative: none) on
   * a cell of row j − 1 below it.
   */
  keepers(j: number, bound: number, before: number): number {
    const { d, row, older, chars } = this;
    let mask = 0;
    for (let t = 0; t <= 2 * d; t++) {
      const cell = (row >>> (CELL_BITS * t)) & 3;
      if (cell < bound) return -1;
      // Cell t of row j + 1 compares query position j − d + t with the key character at j.
      const at = j - d + t;
      if (cell === bound) mask |= chars.classAt(at);
      if (before >= 0 && ((older >>> (CELL_BITS * t)) & 3) < bound && chars.charAt(at) === before)
        mask |= chars.classAt(at - 1);
    }
    return mask;
  }

  /**
   * The step for a key character whose matches are `seen`: the query positions, from j − d − 1
   * on, it equals (bit t + 1 is cell t's own query character, bit t the one before it); `before`
   * holds those of the key character at j − 1, from j − d on.
   */
  private stepSeen(j: number, seen: number, before: number): number {
    const { d, m, ones, row, older } = this;
    const eq = SPREAD[(seen >>> 1) & 31]!;
    const tr = SPREAD[before & seen & 31]!;
    // Cells of row j + 1 with 0 ≤ i ≤ m: t from d − j − 1 to m − j − 1 + d.
    const lowT = d - j - 1;
    const highT = m - j - 1 + d;
    let valid = ones;
    if (lowT > 0) valid &= ~((1 << (CELL_BITS * lowT)) - 1);
    if (highT < 2 * d) valid = highT < 0 ? 0 : valid & ((1 << (CELL_BITS * (highT + 1))) - 1);
    const low = row & ones;
    const high = (row >>> 1) & ones;
    const r0 = ones & ~(low | high);
    const r1 = ones & ~high;
    const oldLow = older & ones;
    const oldHigh = (older >>> 1) & ones;
    const n0 = r0 & eq & valid;
    const n1 =
      ((r1 & eq) | r0 | (r0 >>> CELL_BITS) | (n0 << CELL_BITS) | (ones & ~(oldLow | oldHigh) & tr)) & valid;
    let next: number;
    let min: number;
    if (d === 1) {
      next = 2 * ones - (n0 + n1);
      min = n0 !== 0 ? 0 : n1 !== 0 ? 1 : 2;
    } else {
      const r2 = ones & ~(low & high);
      const n2 = ((r2 & eq) | r1 | (r1 >>> CELL_BITS) | (n1 << CELL_BITS) | (ones & ~oldHigh & tr)) & valid;
      next = 3 * ones - (n0 + n1 + n2);
      min = n0 !== 0 ? 0 : n1 !== 0 ? 1 : n2 !== 0 ? 2 : 3;
    }
    this.next = next;
    const last = m - j - 1 + d;
    this.distance = last >= 0 && last <= 2 * d ? (next >>> (CELL_BITS * last)) & 3 : d + 1;
    return min;
  }
}
