import { fuzzyMatches } from './fuzzy/automaton.js';
import { DEFAULT_TYPO_POLICY, maxEditsFor, type TypoPolicy } from './fuzzy/policy.js';
import type { PrefixIndex } from './index/prefix-index.js';

/** An entry that completes the query, and how. */
export interface Candidate {
  id: number;
  /** Edits between the query and the key's prefix; 0 for an exact prefix match. */
  distance: number;
  /** Length of the key prefix that the query matched (normalized characters). */
  matched: number;
}

/**
 * Top completions of a normalized query: exact-prefix matches first (by weight), then, if they
 * do not fill the limit, typo matches by edit distance and weight. Typo matches are only looked
 * for when the exact ones fall short, since they could never rank above them.
 */
export function complete(
  index: PrefixIndex,
  query: string,
  limit: number,
  policy: TypoPolicy = DEFAULT_TYPO_POLICY,
  accept?: (id: number) => boolean,
): Candidate[] {
  const exact = index
    .top(index.locate(query), limit, accept)
    .map((id) => ({ id, distance: 0, matched: query.length }));
  // When the prefix itself exists the user most likely typed it right: fill the rest with
  // one-edit neighbours that keep the first letter, and spend the far larger searches (two edits,
  // first-letter typos, which open every branch at the root) on prefixes that match nothing.
  const found = exact.length > 0;
  const edits = Math.min(maxEditsFor(query.length, policy), found ? 1 : 2);
  if (exact.length >= limit || edits === 0) return exact;
  if (found && policy.firstLetterTypo) policy = { ...policy, firstLetterTypo: false };
  const typos = new Map<number, Candidate>();
  const exactIds = new Set(exact.map((c) => c.id));
  // Fewer edits always rank first, so widen the search one edit at a time and stop as soon as
  // the limit is filled: the two-edit neighbourhood is far larger than the one-edit one.
  for (let allowed = 1; allowed <= edits && exact.length + typos.size < limit; allowed++) {
    for (const match of fuzzyMatches(index, query, allowed, policy)) {
      if (match.distance === 0) continue;
      for (const id of index.top(match.node, limit, accept)) {
        if (exactIds.has(id)) continue;
        const seen = typos.get(id);
        if (seen === undefined || match.distance < seen.distance) {
          typos.set(id, { id, distance: match.distance, matched: match.matched });
        }
      }
    }
  }
  const ranked = [...typos.values()].sort(
    (a, b) => a.distance - b.distance || index.weight(b.id) - index.weight(a.id) || a.id - b.id,
  );
  return exact.concat(ranked.slice(0, limit - exact.length));
}
