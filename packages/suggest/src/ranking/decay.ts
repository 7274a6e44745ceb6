/**
 * Exponential time decay by forward decay (Cormode et al., 2009): an event of weight c at time t
 * is stored as c·2^((t − L)/h) for a fixed landmark L and half-life h. Its decayed value at time
 * `now` is that times 2^((L − now)/h), a factor common to every entry, so stored weights can be
 * summed and compared without ever being rewritten as time passes; only the landmark moves, at
 * each full rebuild, to keep the exponents small.
 */
export class Decay {
  constructor(
    readonly halfLifeMs: number,
    readonly landmarkMs: number,
  ) {
    if (!(halfLifeMs > 0)) throw new RangeError('halfLifeMs must be a positive number');
  }

  /** The stored (forward) weight of `count` events at time `at`. */
  weigh(count: number, at: number): number {
    return count * 2 ** ((at - this.landmarkMs) / this.halfLifeMs);
  }

  /** The decayed value at `now` of a stored weight. */
  valueAt(weight: number, now: number): number {
    return weight * 2 ** ((this.landmarkMs - now) / this.halfLifeMs);
  }
}
