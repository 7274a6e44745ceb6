/**
 * Optimal string alignment distance (Damerau–Levenshtein without repeated edits of one substring),
 * abandoned as soon as it must exceed `max`: the caller only cares whether it is within bounds.
 * Returns max + 1 when it is not.
 */
export function boundedEditDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const width = b.length + 1;
  let before = new Int32Array(width);
  let previous = new Int32Array(width);
  let row = new Int32Array(width);
  for (let j = 0; j < width; j++) previous[j] = j;
  for (let i = 1; i <= a.length; i++) {
    row[0] = i;
    let best = row[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(previous[j]! + 1, row[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        value = Math.min(value, before[j - 2]! + 1);
      row[j] = value;
      if (value < best) best = value;
    }
    if (best > max) return max + 1;
    [before, previous, row] = [previous, row, before];
  }
  return Math.min(previous[b.length]!, max + 1);
}

/**
 * Character trigrams of a space-padded string, as a set of numbers (three UTF-16 code units packed
 * into one exact integer), which is cheaper to build and compare than a set of strings.
 */
export function trigrams(text: string): Set<number> {
  const grams = new Set<number>();
  const code = (i: number) => (i < 2 ? 32 : i - 2 < text.length ? text.charCodeAt(i - 2) : 32);
  for (let i = 0; i < text.length + 1; i++)
    grams.add(code(i) * 2 ** 32 + code(i + 1) * 2 ** 16 + code(i + 2));
  return grams;
}

/** Jaccard similarity of two trigram sets. */
export function trigramSimilarity(a: Set<number>, b: Set<number>): number {
  let shared = 0;
  for (const gram of a) if (b.has(gram)) shared++;
  const union = a.size + b.size - shared;
  return union === 0 ? 0 : shared / union;
}
