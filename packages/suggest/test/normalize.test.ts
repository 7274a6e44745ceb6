import { describe, expect, it } from 'vitest';
import { normalize, normalizeWithOffsets } from '../src/normalize.js';
import { parseQuery } from '../src/query.js';

describe('normalize', () => {
  it('folds case, diacritics and compatibility forms', () => {
    expect(normalize('Éléonore')).toBe('eleonore');
    expect(normalize('E\u0301le\u0301onore')).toBe('eleonore');
    expect(normalize('Straße')).toBe('strasse');
    expect(normalize('ﬁnance Ⅻ')).toBe('finance xii');
    expect(normalize('Crème Brûlée')).toBe('creme brulee');
  });

  it('collapses whitespace and trims', () => {
    expect(normalize('  top \t deals\n\nby   region ')).toBe('top deals by region');
    expect(normalize('   ')).toBe('');
  });

  it('maps normalized offsets back to the original text', () => {
    const original = '  Éléonore  Dupont';
    const { text, offsets } = normalizeWithOffsets(original);
    expect(text).toBe('eleonore dupont');
    // "eleonore" is original [2, 10); "eleonore d" ends after the D at 13.
    expect([offsets[0], offsets[8]]).toEqual([2, 10]);
    expect(original.slice(offsets[0], offsets[10])).toBe('Éléonore  D');
    expect(offsets[text.length]).toBe(original.length);
  });

  it('maps offsets across decomposed marks and expansions', () => {
    const original = 'Stra\u00dfe E\u0301cole';
    const { text, offsets } = normalizeWithOffsets(original);
    expect(text).toBe('strasse ecole');
    expect(original.slice(offsets[0], offsets[7])).toBe('Straße');
    expect(original.slice(offsets[8], offsets[9])).toBe('E\u0301');
  });
});

describe('parseQuery', () => {
  it('returns the normalized query, empty for blank input', () => {
    expect(parseQuery('  Pipe  ')).toBe('pipe');
    expect(parseQuery('')).toBe('');
    expect(parseQuery(' \t ')).toBe('');
  });

  it('rejects over-long, control-character and lone-surrogate queries with a 400', () => {
    expect(() => parseQuery('a'.repeat(257))).toThrow(/longer than 256/);
    expect(() => parseQuery('abc\u0000')).toThrow(/control characters/);
    expect(() => parseQuery('abc\u001b[31m')).toThrow(/control characters/);
    expect(() => parseQuery('ab\uD800c')).toThrow(/lone surrogate/);
    expect(() => parseQuery('ab\uDC00')).toThrow(/lone surrogate/);
    expect(parseQuery('emoji \uD83D\uDE00')).toBe('emoji \uD83D\uDE00');
    try {
      parseQuery('\u0007');
    } catch (error) {
      expect((error as { status: number }).status).toBe(400);
    }
  });
});
