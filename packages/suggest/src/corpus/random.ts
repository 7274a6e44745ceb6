/** A small seeded generator (mulberry32), so corpora and test sets are the same on every run. */
export function seededRandom(seed: number): () => number {
  let state = seed | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Draws indexes with probability proportional to their weight, by binary search on the CDF. */
export function weightedSampler(weights: ArrayLike<number>, random: () => number): () => number {
  const cdf = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    total += weights[i]!;
    cdf[i] = total;
  }
  return () => {
    const target = random() * total;
    let left = 0;
    let right = cdf.length - 1;
    while (left < right) {
      const mid = (left + right) >>> 1;
      if (cdf[mid]! <= target) left = mid + 1;
      else right = mid;
    }
    return left;
  };
}
