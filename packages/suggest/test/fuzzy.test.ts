import { describe, expect, it } from 'vitest';
import { seededRandom } from '../src/corpus/random.js';
import { Frontier } from '../src/fuzzy/frontier.js';
import { DEFAULT_TYPO_POLICY, LevenshteinBand, maxEditsFor } from '../src/fuzzy/index.js';
import { charClass } from '../src/fuzzy/query-chars.js';
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

/**
 * Optimal-string-alignment distance between a and the closest prefix of b. With `early`, a
 * prefix counts only if the search could walk to it: every key prefix before it of at most
 * `early` characters within one edit of some prefix of a.
 */
function prefixDistance(a: string, b: string, early = 0): number {
  if (early === 0) return Math.min(...osaRow(a, b));
  const table = osaTable(a, b);
  let best = Number.POSITIVE_INFINITY;
  for (let length = 1; length <= b.length; length++) {
    const before = Math.min(length - 1, early);
    if (before > 0 && Math.min(...table.map((row) => row[before]!)) > 1) break;
    best = Math.min(best, table[a.length]![length]!);
  }
  return best;
}

/** Optimal-string-alignment distance (a transposition of neighbours is one edit). */
function osa(a: string, t: string): number {
  return osaRow(a, t)[t.length]!;
}

/** The DP's last row: the distance between a and each prefix of t. */
function osaRow(a: string, t: string): number[] {
  return osaTable(a, t)[a.length]!;
}

/** The whole DP: d[i][j] is the distance between the prefixes a[0, i) and t[0, j). */
function osaTable(a: string, t: string): number[][] {
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
  return d;
}

/**
 * Short keys over a small alphabet with tied weights (dense neighbourhoods, many ties to break):
 * the whole ranked answer of 300 random queries and limits equals a brute-force ranking.
 */
function agreesWithBruteForce(policy: typeof DEFAULT_TYPO_POLICY, early: number, seed: number): void {
  const random = seededRandom(seed);
  const pick = (n: number) => Math.floor(random() * n);
  const letters = 'abcde ';
  const entries = Array.from({ length: 400 }, () => ({
    text: Array.from({ length: 2 + pick(9) }, () => letters[pick(5 + (random() < 0.2 ? 1 : 0))]).join(''),
    weight: 1 + pick(6),
  }));
  const sample = buildIndex(entries);
  const keys = Array.from({ length: sample.size }, (_, id) => sample.key(id));
  const byRank = (a: number, b: number) => sample.weight(b) - sample.weight(a) || a - b;
  for (let n = 0; n < 300; n++) {
    const query = Array.from({ length: 1 + pick(8) }, () => letters[pick(5)]).join('');
    const limit = 1 + pick(12);
    const exact = keys.flatMap((key, id) => (key.startsWith(query) ? [id] : [])).sort(byRank);
    const edits = Math.min(maxEditsFor(query.length, policy), exact.length > 0 ? 1 : 2);
    const typos =
      exact.length >= limit || edits === 0
        ? []
        : keys
            .flatMap((key, id) => {
              const distance = prefixDistance(query, key, early);
              const sameFirst = key[0] === query[0] || exact.length === 0;
              return distance > 0 && distance <= edits && sameFirst ? [{ id, distance }] : [];
            })
            .sort((a, b) => a.distance - b.distance || byRank(a.id, b.id));
    const expected = [...exact.map((id) => [id, 0]), ...typos.map((c) => [c.id, c.distance])].slice(0, limit);
    const got = complete(sample, query, limit, policy).map((c) => [c.id, c.distance]);
    expect(got, `${query} (limit ${limit})`).toEqual(expected);
  }
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

  it('answers exactly what a brute-force ranking by prefix distance answers', () => {
    // One edit from 1 character and two from 4, no first-four-characters rule: plain distances.
    agreesWithBruteForce({ ...DEFAULT_TYPO_POLICY, oneEditFrom: 1, twoEditsFrom: 4, maxVisits: 1e9 }, 0, 7);
  });

  it('answers what a brute-force ranking answers under the first-four-characters rule', () => {
    // Two edits from 5 characters, so that most two-edit searches meet the rule's edge.
    agreesWithBruteForce({ ...DEFAULT_TYPO_POLICY, oneEditFrom: 4, twoEditsFrom: 5, maxVisits: 1e9 }, 4, 11);
  });

  it('steps the automaton like the full dynamic programme, transpositions included', () => {
    const band = new LevenshteinBand();
    for (const [query, key] of [
      ['forcast', 'forecast'],
      ['qaurterly', 'quarterly'],
      ['ab', 'ba'],
      ['pipeline', 'pipelines'],
      ['xyz', 'abc'],
    ] as const) {
      for (const edits of [1, 2]) {
        band.load(band.reset(query, edits));
        for (let j = 0; j < key.length; j++) {
          band.step(j, key.charCodeAt(j), j > 0 ? key.charCodeAt(j - 1) : -1);
          // Round trip through the packed state, as the search's frontier stores it.
          const packed = band.packStepped();
          band.advance();
          band.load(packed);
          const exact = osa(query, key.slice(0, j + 1));
          expect(band.distance, `${query} / ${key.slice(0, j + 1)}`).toBe(Math.min(exact, edits + 1));
        }
      }
    }
  });

  it('steps like the full dynamic programme on random strings, row minimum included', () => {
    const random = seededRandom(7);
    const word = (length: number) => Array.from({ length }, () => 'abcéł'[Math.floor(random() * 5)]).join('');
    const band = new LevenshteinBand();
    for (let round = 0; round < 400; round++) {
      let query = word(1 + Math.floor(random() * 9));
      let key = word(1 + Math.floor(random() * 12));
      if (round % 10 === 0) {
        // Long queries: positions past 64 fall outside the automaton's character tables.
        query = word(60 + Math.floor(random() * 20));
        const at = Math.floor(random() * query.length);
        key = `${query.slice(0, at)}${word(1)}${query.slice(at + 1)}${word(3)}`;
      }
      const edits = 1 + Math.floor(random() * 2);
      const table = osaTable(query, key);
      band.load(band.reset(query, edits));
      for (let j = 0; j < key.length; j++) {
        const min = band.step(j, key.charCodeAt(j), j > 0 ? key.charCodeAt(j - 1) : -1);
        const row = table.map((cells) => cells[j + 1]!);
        const label = `${query} / ${key.slice(0, j + 1)} (d ${edits})`;
        expect(band.distance, label).toBe(Math.min(row[query.length]!, edits + 1));
        expect(min, label).toBe(Math.min(...row, edits + 1));
        const packed = band.packStepped();
        band.advance();
        band.load(packed);
      }
    }
  });

  it('bounds a step over a set of characters from below, and names the characters that keep a row', () => {
    const random = seededRandom(5);
    const pick = (n: number) => Math.floor(random() * n);
    const letters = 'abcd é';
    const word = (length: number) => Array.from({ length }, () => letters[pick(letters.length)]).join('');
    const codes = [...`${letters}xy`].map((c) => c.charCodeAt(0));
    const classOf = (c: number) => (c < 0 ? 0 : 1 << charClass(c));
    const band = new LevenshteinBand();
    for (let round = 0; round < 400; round++) {
      const query = word(1 + pick(9));
      const key = word(1 + pick(10));
      const edits = 1 + pick(2);
      band.load(band.reset(query, edits));
      for (let j = 0; j < key.length; j++) {
        const c = key.charCodeAt(j);
        const before = j > 0 ? key.charCodeAt(j - 1) : -1;
        const state = band.pack();
        const label = `${query} / ${key.slice(0, j + 1)} (d ${edits})`;
        const min = band.step(j, c, before);
        const distance = band.distance;
        // A set holding the key's characters: no cell above theirs; the set of one letter: the same row.
        band.load(state);
        const other = codes[pick(codes.length)]!;
        expect(
          band.stepAny(j, classOf(c) | classOf(other), classOf(before) | classOf(other)),
          label,
        ).toBeLessThanOrEqual(min);
        expect(band.distance, label).toBeLessThanOrEqual(distance);
        band.load(state);
        expect(band.stepAny(j, classOf(c), classOf(before)), label).toBe(min);
        expect(band.distance, label).toBe(distance);
        // Every character that keeps a cell within the bound is among the keepers.
        for (let bound = 1; bound <= edits; bound++) {
          band.load(state);
          const keep = band.keepers(j, bound, before);
          if (keep === -1) continue;
          for (const code of codes) {
            band.load(state);
            if (band.step(j, code, before) <= bound)
              expect(keep & classOf(code), `${label} ${code}`).not.toBe(0);
          }
        }
        band.load(state);
        band.step(j, c, before);
        band.advance();
      }
    }
  });

  it('pops the frontier by score, then the smaller kind, then the smaller ref, across growth', () => {
    const random = seededRandom(5);
    const frontier = new Frontier();
    const waiting: number[][] = [];
    const popped: number[][] = [];
    const expected: number[][] = [];
    const best = () => {
      waiting.sort((a, b) => b[0]! - a[0]! || a[1]! - b[1]! || a[2]! - b[2]!);
      return waiting.shift()!;
    };
    // Pushes and pops mixed (a pop's hole is filled by the next push), 3,000 items at the most.
    for (let n = 0; n < 6000; n++) {
      if (waiting.length > 0 && random() < 0.4) {
        const score = frontier.pop();
        popped.push([score, frontier.kind, frontier.ref, frontier.info]);
        expected.push(best());
      } else {
        const item = [
          Math.floor(random() * 50) / 7,
          Math.floor(random() * 5),
          Math.floor(random() * 2 ** 28),
          n,
        ];
        frontier.push(item[0]!, item[1]!, item[2]!, item[3]! - 3000);
        waiting.push([item[0]!, item[1]!, item[2]!, item[3]! - 3000]);
      }
    }
    expect(frontier.size).toBe(waiting.length);
    expect(popped).toEqual(expected);
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

  it('bounds the work per query, keeping what it found', () => {
    const full = suggest('qaurtelry');
    expect(full).toEqual([['quarterly revenue', 2]]);
    expect(suggest('qaurtelry', 10, { ...DEFAULT_TYPO_POLICY, maxVisits: 5 })).toEqual([]);
    // The most popular branches are searched first: a budget that reaches the answer keeps it.
    const enough = { ...DEFAULT_TYPO_POLICY, maxVisits: 200 };
    expect(suggest('qaurtelry', 10, enough)).toEqual(full);
  });

  it('spends a capped budget on keys that keep the first letter before the others', () => {
    // Two edits from "qaurtelry" each: the light key that keeps its "q", and heavier ones that do not.
    const others = [...'bcdef'].map((letter) => ({ text: `${letter}aurtelxy`, weight: 100 }));
    const small = buildIndex([{ text: 'quarterly revenue', weight: 1 }, ...others]);
    const texts = (maxVisits: number) =>
      complete(small, 'qaurtelry', 10, { ...DEFAULT_TYPO_POLICY, maxVisits }).map((c) => small.text(c.id));
    // Uncapped, the answer is ranked as always: by edits, then weight.
    expect(texts(1e9)).toEqual([...others.map((o) => o.text), 'quarterly revenue']);
    let cap = 1;
    while (!texts(cap).includes('quarterly revenue')) cap++;
    expect(texts(cap)).toEqual(['quarterly revenue']);
  });
});
