import { FNV_OFFSET, fnvStep, fnvString, mix } from './hashing.js';
import { normalizeText, wordTokens } from './tokenize.js';

export interface HashingConfig {
  /** Number of buckets; a power of two. */
  dimension: number;
  /** Smallest and largest character n-gram length. */
  charNgrams: [number, number];
}

/** A sparse vector: parallel arrays of bucket indices (ascending) and values. */
export interface SparseVector {
  indices: Int32Array;
  values: Float32Array;
}

// Distinct seeds keep the feature families (words, bigrams, character n-grams) apart in hash space.
const WORD_SEED = fnvStep(FNV_OFFSET, 0x77);
const BIGRAM_SEED = fnvStep(FNV_OFFSET, 0x62);
const CHAR_SEED = fnvStep(FNV_OFFSET, 0x63);

/**
 * Raw hashed term counts of a text: word unigrams, word bigrams (with sentence boundaries) and
 * character n-grams of the space-padded normalised text, the last computed by rolling the hash so
 * no substring is allocated. Counts are signed by a hash bit.
 */
export function hashedCounts(text: string, config: HashingConfig): Map<number, number> {
  const mask = config.dimension - 1;
  const counts = new Map<number, number>();
  const add = (hash: number) => {
    const mixed = mix(hash);
    const bucket = mixed & mask;
    const sign = mixed & 0x80000000 ? -1 : 1;
    counts.set(bucket, (counts.get(bucket) ?? 0) + sign);
  };
  const normalized = normalizeText(text);
  const words = wordTokens(normalized);
  let previous = fnvString(BIGRAM_SEED, '<s>');
  for (const word of words) {
    add(fnvString(WORD_SEED, word));
    add(fnvString(fnvStep(previous, 0x20), word));
    previous = fnvString(BIGRAM_SEED, word);
  }
  if (words.length > 0) add(fnvString(fnvStep(previous, 0x20), '</s>'));
  const padded = ` ${words.join(' ')} `;
  const [minN, maxN] = config.charNgrams;
  for (let start = 0; start + minN <= padded.length; start++) {
    let hash = CHAR_SEED;
    for (let n = 1; n <= maxN && start + n <= padded.length; n++) {
      hash = fnvStep(hash, padded.charCodeAt(start + n - 1));
      if (n >= minN) add(fnvStep(hash, n));
    }
  }
  return counts;
}

/**
 * TF-IDF over hashed counts: sublinear term frequency (1 + ln |count|, keeping the sign) times the
 * bucket's inverse document frequency, then L2-normalised so long and short texts weigh alike.
 */
export function tfidf(counts: Map<number, number>, idf: Float32Array): SparseVector {
  const indices = Int32Array.from([...counts.keys()].filter((k) => counts.get(k) !== 0)).sort();
  const values = new Float32Array(indices.length);
  let norm = 0;
  for (let i = 0; i < indices.length; i++) {
    const count = counts.get(indices[i]!)!;
    const value = Math.sign(count) * (1 + Math.log(Math.abs(count))) * idf[indices[i]!]!;
    values[i] = value;
    norm += value * value;
  }
  if (norm > 0) {
    const scale = 1 / Math.sqrt(norm);
    for (let i = 0; i < values.length; i++) values[i] = values[i]! * scale;
  }
  return { indices, values };
}

/** Smoothed IDF per bucket: ln((1 + N) / (1 + df)) + 1, as in scikit-learn. */
export function inverseDocumentFrequency(documents: Map<number, number>[], dimension: number): Float32Array {
  const df = new Float64Array(dimension);
  for (const counts of documents) for (const [bucket, count] of counts) if (count !== 0) df[bucket]!++;
  const idf = new Float32Array(dimension);
  for (let j = 0; j < dimension; j++) idf[j] = Math.log((1 + documents.length) / (1 + df[j]!)) + 1;
  return idf;
}
