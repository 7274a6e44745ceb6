import { describe, expect, it } from 'vitest';
import { generatePhrases, salesQueries, subtlexWords, typedQueries } from '../src/corpus/index.js';

describe('corpus', () => {
  const words = subtlexWords();

  it('reads the SUBTLEX vocabulary with frequencies', () => {
    expect(words.length).toBeGreaterThan(50_000);
    expect(words.slice(0, 3).map((w) => w.word)).toEqual(['you', 'i', 'the']);
    expect(words.every((w) => /^[a-z]+$/.test(w.word) && w.count > 0)).toBe(true);
  });

  it('generates distinct multi-word phrases with Zipf weights, the same for the same seed', () => {
    const phrases = generatePhrases({ count: 20_000, seed: 3 }, words);
    expect(phrases).toHaveLength(20_000);
    expect(new Set(phrases.map((p) => p.text)).size).toBe(20_000);
    expect(generatePhrases({ count: 20_000, seed: 3 }, words)).toEqual(phrases);
    expect(generatePhrases({ count: 100, seed: 4 }, words)).not.toEqual(phrases.slice(0, 100));
    // Weight ∝ 1/rank.
    expect(phrases[0]!.weight / phrases[9]!.weight).toBeCloseTo(10, 6);
    const multiWord = phrases.filter((p) => p.text.includes(' ')).length / phrases.length;
    expect(multiWord).toBeGreaterThan(0.8);
    const meanLength = phrases.reduce((sum, p) => sum + p.text.length, 0) / phrases.length;
    expect(meanLength).toBeGreaterThan(12);
    expect(meanLength).toBeLessThan(30);
  });

  it('makes sales-domain demo queries', () => {
    const queries = salesQueries();
    expect(queries.length).toBeGreaterThan(1000);
    expect(queries.map((q) => q.text)).toContain('pipeline by region this quarter');
    expect(queries[0]!.weight).toBeGreaterThan(queries[500]!.weight);
    expect(salesQueries()).toEqual(queries);
  });

  it('derives a deterministic typed-query test set with typos', () => {
    const corpus = generatePhrases({ count: 5000, seed: 1 }, words);
    const set = typedQueries(corpus, { count: 500, seed: 5 });
    expect(typedQueries(corpus, { count: 500, seed: 5 })).toEqual(set);
    const texts = new Set(corpus.map((p) => p.text));
    for (const q of set) {
      expect(texts.has(q.intended)).toBe(true);
      if (q.typos === 0) expect(q.intended.startsWith(q.typed)).toBe(true);
    }
    const withTypos = set.filter((q) => q.typos > 0).length / set.length;
    expect(withTypos).toBeGreaterThan(0.25);
    expect(set.some((q) => q.typos === 2)).toBe(true);
  });
});
