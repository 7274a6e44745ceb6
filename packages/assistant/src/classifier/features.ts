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

/** Scratch accumulators per dimension, reused across calls so scoring allocates little. */
const scratch = new Map<number, { counts: Float64Array; seen: Uint8Array; touched: Int32Array }>();

function accumulator(dimension: number) {
  let buffers = scratch.get(dimension);
  if (!buffers) {
    buffers = {
      counts: new Float64Array(dimension),
      seen: new Uint8Array(dimension),
      touched: new Int32Array(4096),
    };
    scratch.set(dimension, buffers);
  }
  return buffers;
}

/**
 * Raw hashed term counts of a text: word unigrams, word bigrams (with sentence boundaries) and
 * character n-grams of the space-padded normalised text, the last computed by rolling the hash so
 * no substring is allocated. Counts are signed by a hash bit.
 */
export function hashedCounts(text: string, config: HashingConfig): SparseVector {
  const mask = config.dimension - 1;
  const acc = accumulator(config.dimension);
  let touchedCount = 0;
  const add = (hash: number) => {
    const mixed = mix(hash);
    const bucket = mixed & mask;
    if (acc.seen[bucket] === 0) {
      acc.seen[bucket] = 1;
      if (touchedCount === acc.touched.length) {
        const grown = new Int32Array(acc.touched.length * 2);
        grown.set(acc.touched);
        acc.touched = grown;
      }
      acc.touched[touchedCount++] = bucket;
    }
    // Signed counts can cancel back to 0; such buckets are dropped below.
    acc.counts[bucket] = acc.counts[bucket]! + (mixed & 0x80000000 ? -1 : 1);
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
  const buckets = acc.touched.subarray(0, touchedCount).sort();
  let nonZero = 0;
  for (const bucket of buckets) if (acc.counts[bucket] !== 0) nonZero++;
  const indices = new Int32Array(nonZero);
  const values = new Float32Array(nonZero);
  let k = 0;
  for (const bucket of buckets) {
    const count = acc.counts[bucket]!;
    acc.counts[bucket] = 0;
    acc.seen[bucket] = 0;
    if (count === 0) continue;
    indices[k] = bucket;
    values[k++] = count;
  }
  return { indices, values };
}

/**
 * TF-IDF over hashed counts: sublinear term frequency (1 + ln |count|, keeping the sign) times the
 * bucket's inverse document frequency, then L2-normalised so long and short texts weigh alike.
 */
export function tfidf(counts: SparseVector, idf: Float32Array): SparseVector {
  const { indices } = counts;
  const values = new Float32Array(indices.length);
  let norm = 0;
  for (let i = 0; i < indices.length; i++) {
    const count = counts.values[i]!;
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
export function inverseDocumentFrequency(documents: SparseVector[], dimension: number): Float32Array {
  const df = new Float64Array(dimension);
  for (const { indices } of documents) for (const bucket of indices) df[bucket]!++;
  const idf = new Float32Array(dimension);
  for (let j = 0; j < dimension; j++) idf[j] = Math.log((1 + documents.length) / (1 + df[j]!)) + 1;
  return idf;
}
