/** How much each signal counts in a suggestion's score; they need not sum to 1. */
export interface BlendWeights {
  /** Popularity across the tenant (default 0.7). */
  global: number;
  /** The user's own recent queries (default 0.2). */
  user: number;
  /** Overlap with the caller's context terms, e.g. the conversation's topic (default 0.1). */
  context: number;
}

export const DEFAULT_BLEND: BlendWeights = { global: 0.7, user: 0.2, context: 0.1 };

export interface Signals {
  key: string;
  /** Edits between query and key prefix; results are tiered by it before any score. */
  distance: number;
  /** Decayed popularity (any scale). */
  global: number;
  /** Decayed interest of the user (any scale). */
  user: number;
  /** Context overlap in [0, 1]. */
  context: number;
}

export interface Blended<T extends Signals> {
  item: T;
  score: number;
  source: 'global' | 'personal';
}

/**
 * Scores each candidate as the weighted sum of its signals, each scaled to [0, 1] by the largest
 * among the candidates, and orders exact matches before typo matches, then by score, then by key.
 * A candidate the user has used before is marked personal.
 */
export function blend<T extends Signals>(
  candidates: T[],
  weights: BlendWeights = DEFAULT_BLEND,
): Blended<T>[] {
  let maxGlobal = 0;
  let maxUser = 0;
  for (const c of candidates) {
    if (c.global > maxGlobal) maxGlobal = c.global;
    if (c.user > maxUser) maxUser = c.user;
  }
  const scaled = (value: number, max: number) => (max > 0 ? value / max : 0);
  return candidates
    .map((item) => ({
      item,
      score:
        weights.global * scaled(item.global, maxGlobal) +
        weights.user * scaled(item.user, maxUser) +
        weights.context * item.context,
      source: item.user > 0 ? ('personal' as const) : ('global' as const),
    }))
    .sort(
      (a, b) =>
        a.item.distance - b.item.distance ||
        b.score - a.score ||
        (a.item.key < b.item.key ? -1 : a.item.key > b.item.key ? 1 : 0),
    );
}

/** Share of a phrase's words that appear among the context terms (both normalized). */
export function contextOverlap(words: readonly string[], context: ReadonlySet<string>): number {
  if (words.length === 0 || context.size === 0) return 0;
  let hits = 0;
  for (const word of words) if (context.has(word)) hits++;
  return hits / words.length;
}
