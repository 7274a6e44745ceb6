import type { IndexEntry } from '../index/builder.js';
import { seededRandom, weightedSampler } from './random.js';

/** What a user typed and the phrase they were after. */
export interface TypedQuery {
  typed: string;
  intended: string;
  /** Edits applied to the typed prefix (0 = clean prefix). */
  typos: number;
}

export interface TypedQueryOptions {
  count: number;
  seed: number;
  /** Share of queries with typos (default 0.5); longer prefixes may get two. */
  typoRate: number;
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** One random edit at a random position: substitution, deletion, insertion or transposition. */
function addTypo(text: string, random: () => number): string {
  const at = Math.floor(random() * text.length);
  const letter = LETTERS[Math.floor(random() * LETTERS.length)]!;
  switch (Math.floor(random() * 4)) {
    case 0:
      return text.slice(0, at) + (letter === text[at] ? 'q' : letter) + text.slice(at + 1);
    case 1:
      return text.slice(0, at) + text.slice(at + 1);
    case 2:
      return text.slice(0, at) + letter + text.slice(at);
    default: {
      const i = Math.min(at, text.length - 2);
      return text.slice(0, i) + text[i + 1] + text[i] + text.slice(i + 2);
    }
  }
}

/**
 * A test set of (typed prefix, intended phrase) pairs: intended phrases drawn by popularity (what
 * people search for most is typed most), prefixes cut after 2 to 15 characters, and for a share
 * of them one typo (two for prefixes of 10 characters or more, a third of the time), placed
 * anywhere including the first letter. Deterministic for a seed.
 */
export function typedQueries(
  corpus: readonly IndexEntry[],
  options: Partial<TypedQueryOptions> = {},
): TypedQuery[] {
  const { count = 10_000, seed = 99, typoRate = 0.5 } = options;
  const random = seededRandom(seed);
  const draw = weightedSampler(
    corpus.map((entry) => entry.weight),
    random,
  );
  const out: TypedQuery[] = [];
  while (out.length < count) {
    const intended = corpus[draw()]!.text;
    if (intended.length < 2) continue;
    const length = Math.min(intended.length, 2 + Math.floor(random() * 14));
    let typed = intended.slice(0, length).trimEnd();
    let typos = 0;
    if (typed.length >= 4 && random() < typoRate) {
      typed = addTypo(typed, random);
      typos = 1;
      if (typed.length >= 10 && random() < 1 / 3) {
        typed = addTypo(typed, random);
        typos = 2;
      }
    }
    out.push({ typed, intended, typos });
  }
  return out;
}
