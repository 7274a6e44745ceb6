import { ManualClock } from '@parley/kit';
import { describe, expect, it } from 'vitest';
import { buildIndex } from '../src/index/index.js';
import { Decay } from '../src/ranking/decay.js';
import { Suggester } from '../src/suggester.js';

const DAY = 24 * 3600_000;

function suggesterWith(entries: { text: string; weight: number }[], clock = new ManualClock(1_000 * DAY)) {
  const suggester = new Suggester({}, clock);
  suggester.replace(buildIndex(entries), new Decay(7 * DAY, clock.now()));
  return suggester;
}

const phrases = [
  { text: 'revenue by region', weight: 100 },
  { text: 'revenue by product', weight: 60 },
  { text: 'revenue forecast', weight: 40 },
  { text: 'Éléonore Dupont accounts', weight: 30 },
  { text: 'renewals due this month', weight: 20 },
];

const texts = (r: { suggestions: { text: string }[] }) => r.suggestions.map((s) => s.text);

describe('Suggester', () => {
  it('answers with scores, highlights and sources in rank order', () => {
    const answer = suggesterWith(phrases).suggest({ query: 'Revenue b' });
    expect(answer.query).toBe('revenue b');
    expect(answer.personalized).toBe(false);
    expect(answer.suggestions).toEqual([
      {
        text: 'revenue by region',
        score: 0.7,
        highlights: [{ start: 0, end: 9 }],
        source: 'global',
        typo: false,
      },
      {
        text: 'revenue by product',
        score: 0.42,
        highlights: [{ start: 0, end: 9 }],
        source: 'global',
        typo: false,
      },
      // Nine characters allow two edits: "revenue f" is one substitution away.
      // The shortest prefix at that distance is highlighted: "revenue " (one deletion).
      {
        text: 'revenue forecast',
        score: 0.28,
        highlights: [{ start: 0, end: 8 }],
        source: 'global',
        typo: true,
      },
    ]);
  });

  it('finds "Éléonore" from "eleonore" and highlights the original characters', () => {
    const [first] = suggesterWith(phrases).suggest({ query: 'eleonore d' }).suggestions;
    expect(first!.text).toBe('Éléonore Dupont accounts');
    expect(first!.text.slice(first!.highlights[0]!.start, first!.highlights[0]!.end)).toBe('Éléonore D');
  });

  it('marks typo matches and puts them after exact ones', () => {
    const answer = suggesterWith(phrases).suggest({ query: 'reve' });
    expect(answer.suggestions.map((s) => [s.text, s.typo])).toEqual([
      ['revenue by region', false],
      ['revenue by product', false],
      ['revenue forecast', false],
      ['renewals due this month', true],
    ]);
    const typo = suggesterWith(phrases).suggest({ query: 'revnue f' });
    // One edit from "revenue f", two from "revenue b…": fewer edits first, whatever the popularity.
    expect(typo.suggestions.map((s) => [s.text, s.typo])).toEqual([
      ['revenue forecast', true],
      ['revenue by region', true],
      ['revenue by product', true],
    ]);
  });

  it('blends the user’s recent queries and context, marking personal results', () => {
    const suggester = suggesterWith(phrases);
    suggester.recordUse('ana', 'revenue forecast');
    suggester.recordUse('ana', 'Revenue forecast');
    suggester.recordUse('ana', 'revenue of my own team');
    const mine = suggester.suggest({ query: 'revenue', userId: 'ana' });
    expect(mine.personalized).toBe(true);
    // forecast: 0.7·0.4 + 0.2·1 = 0.48 beats product (0.42); the user's unindexed query shows up too.
    expect(mine.suggestions.map((s) => [s.text, s.source, s.score])).toEqual([
      ['revenue by region', 'global', 0.7],
      ['revenue forecast', 'personal', 0.48],
      ['revenue by product', 'global', 0.42],
      ['revenue of my own team', 'personal', 0.1],
    ]);
    const other = suggester.suggest({ query: 'revenue', userId: 'bob' });
    expect(texts(other)).toEqual(['revenue by region', 'revenue by product', 'revenue forecast']);
    const context = suggester.suggest({ query: 'revenue', context: ['Product launch'] });
    expect(context.suggestions.map((s) => s.score)).toEqual([0.7, 0.453333, 0.28]);
  });

  it('applies the blocklist at once, terms as whole words and patterns', () => {
    const suggester = suggesterWith(phrases);
    const before = suggester.generation;
    suggester.blocklist.addTerm('REGION');
    expect(suggester.generation).not.toBe(before);
    expect(texts(suggester.suggest({ query: 'revenue', limit: 2 }))).toEqual([
      'revenue by product',
      'revenue forecast',
    ]);
    suggester.blocklist.addPattern('^revenue f');
    expect(texts(suggester.suggest({ query: 'revenue' }))).toEqual(['revenue by product']);
    suggester.blocklist.addTerm('regio'); // not a whole word of anything
    suggester.blocklist.remove('region');
    expect(texts(suggester.suggest({ query: 'revenue b' }))).toEqual([
      'revenue by region',
      'revenue by product',
    ]);
    expect(() => suggester.blocklist.addPattern('(')).toThrow(/Invalid blocked pattern/);
  });

  it('answers bad input with a 400 problem or an empty list, never a crash', () => {
    const suggester = suggesterWith(phrases);
    expect(suggester.suggest({ query: '' }).suggestions).toEqual([]);
    expect(suggester.suggest({ query: '   ' }).suggestions).toEqual([]);
    expect(suggester.suggest({ query: '\u0301\u0301' }).suggestions).toEqual([]);
    for (const query of ['x'.repeat(10_000), 'rev\u0000', 'rev\uD800']) {
      expect(() => suggester.suggest({ query })).toThrow(expect.objectContaining({ status: 400 }));
    }
    for (const limit of [0, -1, 51, 2.5, Number.NaN]) {
      expect(() => suggester.suggest({ query: 'rev', limit })).toThrow(
        expect.objectContaining({ status: 400 }),
      );
    }
    // The longest allowed query still answers, with bounded work.
    expect(suggester.suggest({ query: 'r'.repeat(256) }).suggestions).toEqual([]);
  });
});
