import { DEFAULT_TYPO_POLICY, maxEditsFor, type TypoPolicy } from './fuzzy/policy.js';
import { type Candidate, TypoSearch } from './fuzzy/search.js';
import { NOT_FOUND, type PrefixIndex } from './index/prefix-index.js';

export type { Candidate } from './fuzzy/search.js';

/** One search state for the process: lookups are synchronous, so they never overlap. */
const typoSearch = new TypoSearch();

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
  const node = index.locate(query);
  const answer: Candidate[] = index
    .top(node, limit, accept)
    .map((id) => ({ id, distance: 0, matched: query.length }));
  // When the prefix itself exists the user most likely typed it right: fill the rest with
  // one-edit neighbours that keep the first letter, and spend the far larger searches (two edits,
  // first-letter typos, which open every branch at the root) on prefixes that match nothing.
  const found = answer.length > 0;
  const edits = Math.min(maxEditsFor(query.length, policy), found ? 1 : 2);
  if (answer.length >= limit || edits === 0) return answer;
  if (found && policy.firstLetterTypo) policy = { ...policy, firstLetterTypo: false };
  const exactLo = node === NOT_FOUND ? 0 : index.arrays.nodeLo[node]!;
  const exactHi = node === NOT_FOUND ? 0 : index.arrays.nodeHi[node]!;
  // One search finds the typo matches in the answer's order: by edit count, then weight; it opens
  // the far larger two-edit neighbourhood only when the one-edit matches do not fill the limit.
  typoSearch.begin(policy);
  const request = {
    maxEdits: edits,
    limit: limit - answer.length,
    policy,
    taken: answer,
    exactLo,
    exactHi,
    accept,
  };
  return answer.concat(typoSearch.run(index, query, request));
}
