import { describe, expect, it } from 'vitest';
import { DEFAULT_TYPO_POLICY, fuzzyMatches, maxEditsFor } from '../src/fuzzy/index.js';
import { buildIndex } from '../src/index/index.js';
import { complete } from '../src/lookup.js';

const index = buildIndex([
  { text: 'pipeline by region', weight: 50 },
  { text: 'pipeline by stage', weight: 80 },
  { text: 'forecast accuracy', weight: 40 },
  { text: 'forecast by rep', weight: 45 },
  { text: 'the quarterly report', weight: 20 },
  { text: 'quarterly revenue', weight: 90 },
  { text: 'revenue by region', weight: 100 },
  { text: 'renewals due', weight: 15 },
]);

function suggest(query: string, limit = 10, policy = DEFAULT_TYPO_POLICY) {
  return complete(index, query, limit, policy).map((c) => [index.text(c.id), c.distance]);
}

/** Optimal-string-alignment distance between a and the closest prefix of b. */
function prefixDistance(a: string, b: string): number {
  let best = Number.POSITIVE_INFINITY;
  for (let end = 0; end <= b.length; end++) {
    const t = b.slice(0, end);
    const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
      Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
    );
    for (let i = 1; i <= a.length; i++) {
      for (let j = 1; j <= t.length; j++) {
        d[i]![j] = Math.min(
          d[i - 1]![j]! + 1,
          d[i]![j - 1]! + 1,
          d[i - 1]![j - 1]! + (a[i - 1] === t[j - 1] ? 0 : 1),
        );
        if (i > 1 && j > 1 && a[i - 1] === t[j - 2] && a[i - 2] === t[j - 1]) {
          d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
        }
      }
    }
    best = Math.min(best, d[a.length]![t.length]!);
  }
  return best;
}

describe('typo tolerance', () => {
  it('allows 1 edit from 4 characters and 2 from 8', () => {
    expect([3, 4, 7, 8, 64, 65].map((n) => maxEditsFor(n))).toEqual([0, 1, 1, 2, 2, 0]);
  });

  it('finds completions through a substitution, an insertion, a deletion and a transposition', () => {
    expect(suggest('pipaline')[0]).toEqual(['pipeline by stage', 1]);
    expect(suggest('forcast')).toEqual([
      ['forecast by rep', 1],
      ['forecast accuracy', 1],
    ]);
    expect(suggest('foreecast')).toEqual([
      ['forecast by rep', 1],
      ['forecast accuracy', 1],
    ]);
    expect(suggest('froecast')).toEqual([
      ['forecast by rep', 1],
      ['forecast accuracy', 1],
    ]);
    expect(suggest('quartelry rev')).toEqual([['quarterly revenue', 1]]);
    expect(suggest('qaurtelry rev')).toEqual([['quarterly revenue', 2]]);
  });

  it('ranks exact-prefix matches above typo matches whatever their weight', () => {
    // "rene" is an exact prefix of "renewals due" and one edit from "reve…" (heavier).
    expect(suggest('rene')).toEqual([
      ['renewals due', 0],
      ['revenue by region', 1],
    ]);
  });

  it('tolerates no typo in short queries', () => {
    expect(suggest('fro')).toEqual([]);
    expect(suggest('pip')).toEqual([
      ['pipeline by stage', 0],
      ['pipeline by region', 0],
    ]);
  });

  it('allows a wrong first letter unless configured otherwise', () => {
    expect(suggest('dorecast')[0]).toEqual(['forecast by rep', 1]);
    expect(suggest('dorecast', 10, { ...DEFAULT_TYPO_POLICY, firstLetterTypo: false })).toEqual([]);
  });

  it('finds exactly the subtrees a brute-force prefix distance finds', () => {
    const keys = Array.from({ length: index.size }, (_, id) => index.key(id));
    for (const query of ['pipelin', 'forcast b', 'quartrely', 'revnue', 'renewal', 'xyzzy', 'teh quart']) {
      const edits = maxEditsFor(query.length);
      const found = new Map<number, number>();
      for (const match of fuzzyMatches(index, query, edits)) {
        for (let id = index.arrays.nodeLo[match.node]!; id < index.arrays.nodeHi[match.node]!; id++) {
          found.set(id, Math.min(found.get(id) ?? 9, match.distance));
        }
      }
      const expected = new Map<number, number>();
      keys.forEach((key, id) => {
        const distance = prefixDistance(query, key);
        if (distance <= edits) expected.set(id, distance);
      });
      expect([...found.entries()].sort(), query).toEqual([...expected.entries()].sort());
    }
  });

  it('allows at most one edit within the first four key characters', () => {
    // Two substitutions at positions 1 and 3: rejected. At 1 and 6: accepted.
    expect(suggest('fxrxcast a')).toEqual([]);
    expect(suggest('fxrecaxt a')).toEqual([['forecast accuracy', 2]]);
  });

  it('fills behind existing exact matches with one-edit neighbours only', () => {
    // "renewals" exists exactly; "revenues" is 2 edits away and is not offered beside it.
    expect(suggest('renewals')).toEqual([['renewals due', 0]]);
    // Nothing starts with "renevals": two edits are searched.
    expect(suggest('renevuls')).toEqual([['renewals due', 2]]);
  });

  it('keeps the first letter when filling behind an existing prefix', () => {
    const small = buildIndex([
      { text: 'pipes', weight: 1 },
      { text: 'ripest', weight: 2 },
    ]);
    const texts = (query: string) => complete(small, query, 10).map((c) => small.text(c.id));
    expect(texts('pipe')).toEqual(['pipes']);
    expect(texts('xipe')).toEqual(['ripest', 'pipes']);
  });

  it('bounds the work per query', () => {
    const tight = { ...DEFAULT_TYPO_POLICY, maxRows: 5 };
    expect(fuzzyMatches(index, 'qaurterly', 2, tight).length).toBeLessThanOrEqual(1);
  });
});
