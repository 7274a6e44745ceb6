import { describe, expect, it } from 'vitest';
import { addMonths, dayNumber, isoDate, startOf, unitsSpanned } from '../../src/slots/calendar.js';
import { boundedEditDistance, trigramSimilarity, trigrams } from '../../src/slots/fuzzy.js';
import { Gazetteer } from '../../src/slots/gazetteer.js';
import { tenantValues } from './tenant.js';

describe('boundedEditDistance', () => {
  it.each([
    ['northern', 'nothern', 2, 1],
    ['europe', 'eruope', 2, 1],
    ['kitten', 'sitting', 3, 3],
    ['abc', 'abc', 0, 0],
    ['', 'abc', 3, 3],
    ['abcdef', 'uvwxyz', 2, 3],
  ])('%s / %s within %d is %d', (a, b, max, expected) => {
    expect(boundedEditDistance(a, b, max)).toBe(expected);
  });

  it('gives up early on long strings', () => {
    expect(boundedEditDistance('a'.repeat(10_000), 'b'.repeat(10_000), 2)).toBe(3);
  });
});

describe('trigramSimilarity', () => {
  it('is 1 for equal strings and lower for different ones', () => {
    expect(trigramSimilarity(trigrams('emea'), trigrams('emea'))).toBe(1);
    expect(trigramSimilarity(trigrams('northern europe'), trigrams('nothern europe'))).toBeGreaterThan(0.6);
    expect(trigramSimilarity(trigrams('apparel'), trigrams('electronics'))).toBeLessThan(0.1);
  });
});

describe('Gazetteer', () => {
  const gazetteer = new Gazetteer(tenantValues);

  it.each([
    ['NORTHERN EUROPE', 'Northern Europe', 1],
    ['nothern europe', 'Northern Europe', undefined],
    ['ile-de-france', 'Île-de-France', 1],
    ['Electronisc', 'Electronics', undefined],
    ['mid market', 'Mid-Market', 1],
  ])('looks up %s as %s', (phrase, value, score) => {
    const match = gazetteer.lookup(phrase);
    expect(match?.value).toBe(value);
    if (score !== undefined) expect(match?.score).toBe(score);
    else expect(match!.score).toBeLessThan(1);
  });

  it.each(['EU', 'total', 'revenue', 'quarter', 'Globalex Industries', ''])(
    'finds nothing for %s',
    (phrase) => {
      expect(gazetteer.lookup(phrase)).toBeUndefined();
    },
  );

  it('keeps one entry per normalised value and ignores empty ones', () => {
    const small = new Gazetteer([
      { dimension: 'region', value: 'EMEA' },
      { dimension: 'region', value: 'emea' },
      { dimension: 'region', value: '  ' },
    ]);
    expect(small.size).toBe(1);
  });

  it('scales to a large tenant', () => {
    const values = Array.from({ length: 20_000 }, (_, i) => ({
      dimension: 'product' as const,
      value: `Product ${i}`,
    }));
    const big = new Gazetteer([...values, ...tenantValues]);
    expect(big.lookup('nothern europe')?.value).toBe('Northern Europe');
    expect(big.lookup('product 1234')?.value).toBe('Product 1234');
  });
});

describe('calendar', () => {
  const day = (iso: string) =>
    dayNumber({ year: +iso.slice(0, 4), month: +iso.slice(5, 7), day: +iso.slice(8, 10) });

  it('starts weeks on Monday and quarters on their first month', () => {
    expect(isoDate(startOf(day('2025-11-22'), 'week'))).toBe('2025-11-17');
    expect(isoDate(startOf(day('2025-11-17'), 'week'))).toBe('2025-11-17');
    expect(isoDate(startOf(day('2025-11-22'), 'quarter'))).toBe('2025-10-01');
    expect(isoDate(startOf(day('2024-02-29'), 'year'))).toBe('2024-01-01');
  });

  it('clamps month arithmetic to the month length', () => {
    expect(isoDate(addMonths(day('2025-03-31'), -1))).toBe('2025-02-28');
    expect(isoDate(addMonths(day('2024-02-29'), -12))).toBe('2023-02-28');
    expect(isoDate(addMonths(day('2025-01-15'), -13))).toBe('2023-12-15');
  });

  it('counts partial units as one', () => {
    expect(unitsSpanned(day('2025-11-01'), day('2025-11-23'), 'month')).toBe(1);
    expect(unitsSpanned(day('2024-11-01'), day('2025-11-01'), 'month')).toBe(12);
  });
});
