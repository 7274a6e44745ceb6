/** When typos are tolerated and how much work a fuzzy lookup may do. */
export interface TypoPolicy {
  /** Query length (normalized characters) from which one edit is allowed (default 4). */
  oneEditFrom: number;
  /** Query length from which two edits are allowed (default 8). */
  twoEditsFrom: number;
  /** Whether the first letter may be wrong (default true). */
  firstLetterTypo: boolean;
  /** Queries longer than this are matched exactly only, which bounds the work (default 64). */
  maxFuzzyLength: number;
  /**
   * Work per query's typo search before it stops with what it has: automaton steps (one per trie
   * node character tried) plus frontier pops (default 1,500). Keys that keep the query's first
   * letter go first, and the most popular branches first among them, so a search cut short loses
   * first-letter typos and the least popular candidates.
   */
  maxVisits: number;
}

export const DEFAULT_TYPO_POLICY: TypoPolicy = {
  oneEditFrom: 4,
  twoEditsFrom: 8,
  firstLetterTypo: true,
  maxFuzzyLength: 64,
  maxVisits: 1_500,
};

/** Edits allowed for a query of this many normalized characters. */
export function maxEditsFor(length: number, policy: TypoPolicy = DEFAULT_TYPO_POLICY): number {
  if (length > policy.maxFuzzyLength) return 0;
  if (length >= policy.twoEditsFrom) return 2;
  if (length >= policy.oneEditFrom) return 1;
  return 0;
}
