import { describe, expect, it } from 'vitest';
import { loadClassifier } from '../../src/classifier/classifier.js';
import { MAX_INPUT_CHARS, normalizeText, tokenize } from '../../src/classifier/tokenize.js';

const classifiers = [loadClassifier('v1'), loadClassifier('v2')];

const nasty: [string, string][] = [
  ['empty', ''],
  ['100 KB of text', 'revenue by region '.repeat(6000)],
  ['100 KB without spaces', 'x'.repeat(100_000)],
  ['control characters', 'revenue\u0000\u0007\u001b[31m by\r\n region\u007f'],
  ['emoji', '📈📈 revenue 🚀 by region 🌍 👩🏽‍💻'],
  ['lone high surrogate', 'revenue \ud800 by region'],
  ['lone low surrogate', '\udfff\udfff what was revenue'],
  ['bidi and zero-width', '\u202eeunever\u202c\u200b\u200d by region'],
  ['only combining marks', '\u0301\u0301\u0301'],
  ['non-Latin scripts', 'Umsatz nach Region 売上 по регионам'],
];

describe('classifier on bad input', () => {
  it.each(nasty)('%s: answers with a valid result', (_, text) => {
    for (const classifier of classifiers) {
      const result = classifier.classify(text);
      const total = Object.values(result.scores).reduce((sum, p) => sum + p, 0);
      expect(total).toBeCloseTo(1, 6);
      for (const p of Object.values(result.scores)) expect(Number.isFinite(p)).toBe(true);
      expect(typeof result.intent).toBe('string');
    }
  });

  it('only looks at a bounded prefix of long input', () => {
    const long = `generate a report of top customers ${'in EMEA and more '.repeat(10_000)}`;
    expect(normalizeText(long).length).toBeLessThanOrEqual(MAX_INPUT_CHARS);
    for (const classifier of classifiers) {
      expect(classifier.classify(long)).toEqual(classifier.classify(long.slice(0, MAX_INPUT_CHARS * 2)));
    }
  });
});

describe('tokenize', () => {
  it('folds case, accents and digits, and drops invisible characters', () => {
    expect(tokenize('Revenue in Zürich, Q3 2025!')).toEqual(['revenue', 'in', 'zurich', 'q0', '0000']);
    expect(tokenize('what\u200bs\u0000 up')).toEqual(['what', 's', 'up']);
    expect(tokenize("what's ÉMEA’s AOV")).toEqual(["what's", "emea's", 'aov']);
  });

  it('makes lone surrogates well-formed', () => {
    const normalized = normalizeText('a\ud800b\udc00c');
    expect(normalized).toBe('a b c');
    expect(() => encodeURIComponent(normalized)).not.toThrow();
  });
});
