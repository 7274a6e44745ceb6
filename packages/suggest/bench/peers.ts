import { Charset, Index } from 'flexsearch';
import MiniSearch from 'minisearch';
import { DEFAULT_TYPO_POLICY, maxEditsFor, type TypoPolicy } from '../src/fuzzy/policy.js';
import type { IndexEntry } from '../src/index/builder.js';
import { buildIndex } from '../src/index/builder.js';
import type { PrefixIndex } from '../src/index/prefix-index.js';
import { complete } from '../src/lookup.js';
import { parseQuery } from '../src/query.js';

/** A search engine under test: built once, then asked for the top 10 texts of typed prefixes. */
export interface Engine {
  name: string;
  search(typed: string, limit: number): string[];
}

export function parley(entries: IndexEntry[]): Engine & { index: PrefixIndex } {
  return parleyOn(buildIndex(entries));
}

/** Parley on an index already built, with a typo policy (default: the product's). */
export function parleyOn(
  index: PrefixIndex,
  policy: TypoPolicy = DEFAULT_TYPO_POLICY,
): Engine & { index: PrefixIndex } {
  return {
    name: 'parley',
    index,
    search: (typed, limit) => complete(index, parseQuery(typed), limit, policy).map((c) => index.text(c.id)),
  };
}

/**
 * MiniSearch configured as an autocomplete: every word must match (AND), the last one as a
 * prefix, with the same typo thresholds as Parley per word, and popularity as a document boost.
 */
export function minisearch(entries: IndexEntry[]): Engine {
  const engine = new MiniSearch<{ id: number; text: string }>({ fields: ['text'], idField: 'id' });
  engine.addAll(entries.map((entry, id) => ({ id, text: entry.text })));
  const boost = Float64Array.from(entries, (entry) => Math.log1p(entry.weight));
  const options = {
    combineWith: 'AND' as const,
    prefix: (_term: string, i: number, terms: string[]) => i === terms.length - 1,
    fuzzy: (term: string) => maxEditsFor(term.length, DEFAULT_TYPO_POLICY) || false,
    boostDocument: (id: number) => boost[id]!,
  };
  return {
    name: 'minisearch',
    search: (typed, limit) =>
      engine
        .search(typed, options)
        .slice(0, limit)
        .map((hit) => entries[hit.id as number]!.text),
  };
}

/**
 * FlexSearch with forward (prefix) tokenization and its LatinBalance encoder, its usual
 * autocomplete set-up. It has no popularity boost, so entries are added most popular first.
 */
export function flexsearch(entries: IndexEntry[]): Engine {
  const engine = new Index({ tokenize: 'forward', encoder: Charset.LatinBalance });
  const order = entries.map((_, id) => id).sort((a, b) => entries[b]!.weight - entries[a]!.weight);
  for (const id of order) engine.add(id, entries[id]!.text);
  return {
    name: 'flexsearch',
    search: (typed, limit) =>
      (engine.search(typed, { limit, suggest: true }) as number[]).map((id) => entries[id]!.text),
  };
}
