import { describe, expect, it } from 'vitest';
import { charClass } from '../src/fuzzy/query-chars.js';
import { buildIndex, buildIndexAsync, NOT_FOUND } from '../src/index/index.js';

const phrases = [
  { text: 'pipeline by region', weight: 50 },
  { text: 'pipeline by stage', weight: 80 },
  { text: 'pipeline', weight: 30 },
  { text: 'pipedrive import', weight: 5 },
  { text: 'Piper Sandler deals', weight: 60 },
  { text: 'revenue by region', weight: 100 },
  { text: 'revenue', weight: 10 },
  { text: 'Éléonore Dupont accounts', weight: 7 },
];

function topTexts(index: ReturnType<typeof buildIndex>, prefix: string, limit = 10): string[] {
  return index.top(index.locate(prefix), limit).map((id) => index.text(id));
}

/** Deterministic pseudo-random generator (mulberry32). */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('prefix index', () => {
  it('returns completions of a prefix by weight, then alphabetically', () => {
    const index = buildIndex(phrases, { k: 3 });
    expect(topTexts(index, 'pipe')).toEqual([
      'pipeline by stage',
      'Piper Sandler deals',
      'pipeline by region',
      'pipeline',
      'pipedrive import',
    ]);
    expect(topTexts(index, 'pipe', 2)).toEqual(['pipeline by stage', 'Piper Sandler deals']);
    expect(topTexts(index, 'pipeline b')).toEqual(['pipeline by stage', 'pipeline by region']);
    expect(topTexts(index, '')).toEqual([
      'revenue by region',
      'pipeline by stage',
      'Piper Sandler deals',
      'pipeline by region',
      'pipeline',
      'revenue',
      'Éléonore Dupont accounts',
      'pipedrive import',
    ]);
    expect(index.locate('pipex')).toBe(NOT_FOUND);
    expect(topTexts(index, 'zzz')).toEqual([]);
  });

  it('matches keys through their normalized form and keeps the display text', () => {
    const index = buildIndex(phrases);
    expect(topTexts(index, 'eleonore')).toEqual(['Éléonore Dupont accounts']);
    expect(topTexts(index, 'piper s')).toEqual(['Piper Sandler deals']);
    expect(index.idOf('revenue')).not.toBe(NOT_FOUND);
    expect(index.idOf('reven')).toBe(NOT_FOUND);
  });

  it('merges entries that normalize alike and drops unusable ones', () => {
    const index = buildIndex([
      { text: 'Revenue', weight: 3 },
      { text: 'revenue', weight: 5 },
      { text: '   ', weight: 9 },
      { text: 'nan', weight: Number.NaN },
    ]);
    expect(index.size).toBe(1);
    expect(index.text(0)).toBe('revenue');
    expect(index.weight(0)).toBe(8);
  });

  it('handles an empty index', () => {
    const index = buildIndex([]);
    expect(index.size).toBe(0);
    expect(index.locate('a')).toBe(NOT_FOUND);
    expect(index.top(index.locate(''), 10)).toEqual([]);
  });

  it('agrees with a brute-force scan on random data, beyond k and with a filter', () => {
    const random = rng(42);
    const alphabet = 'abcde ';
    const entries = Array.from({ length: 3000 }, () => {
      const length = 1 + Math.floor(random() * 8);
      let text = 'a';
      for (let i = 0; i < length; i++) text += alphabet[Math.floor(random() * alphabet.length)];
      return { text: text.trim().replace(/ +/g, ' '), weight: Math.floor(random() * 50) };
    });
    const index = buildIndex(entries, { k: 5 });
    const keys = Array.from({ length: index.size }, (_, id) => index.key(id));
    const accept = (id: number) => id % 3 !== 0;
    for (const prefix of ['', 'a', 'ab', 'abc', 'a b', 'ae', 'adda', 'aeeee']) {
      for (const limit of [3, 5, 12]) {
        for (const filter of [undefined, accept]) {
          const expected = keys
            .map((key, id) => ({ key, id }))
            .filter(({ key, id }) => key.startsWith(prefix) && (filter === undefined || filter(id)))
            .sort((x, y) => index.weight(y.id) - index.weight(x.id) || x.id - y.id)
            .slice(0, limit)
            .map(({ id }) => id);
          expect(index.top(index.locate(prefix), limit, filter)).toEqual(expected);
        }
      }
    }
  });

  it("records each node's first character and what can come one and two characters after it", () => {
    const random = rng(3);
    const entries = Array.from({ length: 500 }, () => ({
      text: Array.from(
        { length: 1 + Math.floor(random() * 8) },
        () => 'abcé1 '[Math.floor(random() * 6)],
      ).join(''),
      weight: 1,
    }));
    const index = buildIndex(entries);
    const { nodeChar, nodeFollow } = index;
    for (let node = 0; node < index.nodeCount; node++) {
      const start = index.depth(node);
      for (let child = index.firstChild(node); child < index.firstChild(node + 1); child++) {
        // The classes of what the keys below hold at the child's first character and one and two further.
        const masks = [0, 0, 0];
        for (let id = index.arrays.nodeLo[child]!; id < index.arrays.nodeHi[child]!; id++) {
          const key = index.key(id);
          for (let offset = 0; offset < 3 && start + offset < key.length; offset++)
            masks[offset]! |= 1 << charClass(key.charCodeAt(start + offset));
        }
        expect(nodeChar[child]).toBe(index.char(child));
        expect(1 << charClass(nodeChar[child]!)).toBe(masks[0]);
        expect(nodeFollow[2 * child]! | 0).toBe(masks[1]);
        expect(nodeFollow[2 * child + 1]! | 0).toBe(masks[2]);
      }
    }
  });

  it('sorts large inputs in slices (several merge passes) into key order', () => {
    const random = rng(7);
    const entries = Array.from({ length: 150_000 }, (_, i) => ({
      text: `${Math.floor(random() * 1e9).toString(36)} ${i}`,
      weight: 1,
    }));
    const index = buildIndex(entries);
    expect(index.size).toBe(150_000);
    let unordered = 0;
    let previous = index.key(0);
    for (let id = 1; id < index.size; id++) {
      const key = index.key(id);
      if (!(previous < key)) unordered++;
      previous = key;
    }
    expect(unordered).toBe(0);
  });

  it('builds the same index asynchronously', async () => {
    const sync = buildIndex(phrases, { k: 2 });
    const async = await buildIndexAsync(phrases, { k: 2 });
    expect(async.arrays.topIds).toEqual(sync.arrays.topIds);
    expect(async.arrays.nodeLo).toEqual(sync.arrays.nodeLo);
  });
});
