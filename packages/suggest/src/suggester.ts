import { type Clock, problems, systemClock } from '@parley/kit';
import { Blocklist } from './blocklist.js';
import { DEFAULT_TYPO_POLICY, type TypoPolicy } from './fuzzy/policy.js';
import { buildIndex } from './index/builder.js';
import { NOT_FOUND, type PrefixIndex } from './index/prefix-index.js';
import { complete } from './lookup.js';
import { normalize, normalizeWithOffsets, tokens } from './normalize.js';
import { MAX_QUERY_LENGTH, parseQuery } from './query.js';
import { type BlendWeights, blend, contextOverlap, DEFAULT_BLEND } from './ranking/blend.js';
import { Decay } from './ranking/decay.js';
import { type HistoryOptions, UserHistory } from './ranking/history.js';

export interface SuggesterOptions {
  /** Size of the precomputed top-k lists (default 10). */
  k: number;
  typo: TypoPolicy;
  blend: BlendWeights;
  /** Half-life of popularity (default 7 days). */
  halfLifeMs: number;
  history: Partial<HistoryOptions>;
  maxQueryLength: number;
  /** Largest `limit` a caller may ask for (default 50). */
  maxLimit: number;
}

export const DEFAULT_SUGGESTER_OPTIONS: SuggesterOptions = {
  k: 10,
  typo: DEFAULT_TYPO_POLICY,
  blend: DEFAULT_BLEND,
  halfLifeMs: 7 * 24 * 3600_000,
  history: {},
  maxQueryLength: MAX_QUERY_LENGTH,
  maxLimit: 50,
};

export interface SuggestRequest {
  query: string;
  /** Number of suggestions (default 10). */
  limit?: number;
  /** Personalize for this user (their recent queries count for `blend.user`). */
  userId?: string;
  /** Terms describing what the user is doing (e.g. the conversation's topic). */
  context?: readonly string[];
}

/** A [start, end) range of UTF-16 offsets in `text`. */
export interface Highlight {
  start: number;
  end: number;
}

export interface Suggestion {
  text: string;
  /** Blended score in [0, 1]; only comparable within one answer. */
  score: number;
  /** The part of `text` that the query matched. */
  highlights: Highlight[];
  source: 'global' | 'personal';
  /** Whether the query matched only with typos. */
  typo: boolean;
}

export interface SuggestResponse {
  /** The normalized query. */
  query: string;
  suggestions: Suggestion[];
  /** Whether the answer depends on the user or context (and must not be shared). */
  personalized: boolean;
  /** Generation of the data that produced it; changes on every rebuild, update or blocklist edit. */
  generation: number;
}

/** What one answer is computed from; replaced as a whole so a query never mixes two versions. */
interface LiveIndex {
  main: PrefixIndex;
  /** Entries logged since `main` was built, with their full current weights. */
  delta: PrefixIndex;
  decay: Decay;
  version: number;
}

interface Candidate {
  key: string;
  text: string;
  distance: number;
  matched: number;
  global: number;
  user: number;
  context: number;
}

const EMPTY = buildIndex([]);

/**
 * One tenant's suggestions: the live index (a main index rebuilt periodically plus a small delta
 * index of recent activity), the blocklist and the users' histories, combined per query.
 */
export class Suggester {
  readonly options: SuggesterOptions;
  readonly blocklist: Blocklist;
  readonly history: UserHistory;
  private live: LiveIndex;
  private readonly clock: Clock;

  constructor(options: Partial<SuggesterOptions> = {}, clock: Clock = systemClock) {
    this.options = { ...DEFAULT_SUGGESTER_OPTIONS, ...options };
    this.clock = clock;
    this.blocklist = new Blocklist();
    this.history = new UserHistory(this.options.history);
    this.live = {
      main: EMPTY,
      delta: EMPTY,
      decay: new Decay(this.options.halfLifeMs, clock.now()),
      version: 0,
    };
  }

  get main(): PrefixIndex {
    return this.live.main;
  }

  get decay(): Decay {
    return this.live.decay;
  }

  /** Grows whenever an answer could change: index swaps and blocklist edits both count. */
  get generation(): number {
    return this.live.version + this.blocklist.version;
  }

  /** Swaps in a freshly built main index: queries already running finish on the old one. */
  replace(main: PrefixIndex, decay: Decay): void {
    this.live = { main, delta: EMPTY, decay, version: this.live.version + 1 };
  }

  /** Swaps in a new delta index, built against the current main index's decay. */
  setDelta(delta: PrefixIndex): void {
    this.live = { ...this.live, delta, version: this.live.version + 1 };
  }

  /** Remembers that a user ran a query, for personalization. */
  recordUse(userId: string, text: string, at = this.clock.now()): void {
    const key = normalize(text);
    if (key.length > 0) this.history.record(userId, key, text, at);
  }

  suggest(request: SuggestRequest): SuggestResponse {
    const live = this.live;
    const generation = this.generation;
    const query = parseQuery(request.query, this.options.maxQueryLength);
    const limit = this.limitOf(request.limit);
    const context = contextTerms(request.context);
    // A user with no history gets the shared answer, which caches can then serve to everyone.
    const userId =
      request.userId !== undefined && this.history.has(request.userId) ? request.userId : undefined;
    const personalized = userId !== undefined || context.size > 0;
    if (query.length === 0) return { query, suggestions: [], personalized, generation };

    const now = this.clock.now();
    // Signals other than popularity can reorder, so look a little further than the limit.
    const fetch = personalized ? Math.min(2 * limit, this.options.maxLimit) : limit;
    const candidates = new Map<string, Candidate>();
    const add = (key: string, text: string, distance: number, matched: number, weight: number) => {
      const seen = candidates.get(key);
      if (seen !== undefined && seen.distance <= distance) return;
      candidates.set(key, {
        key,
        text,
        distance,
        matched,
        global: live.decay.valueAt(weight, now),
        user: userId === undefined ? 0 : this.history.score(userId, key, now),
        context: contextOverlap(tokens(key), context),
      });
    };
    for (const index of [live.delta, live.main]) {
      if (index.size === 0) continue;
      const accept = this.blocklist.empty ? undefined : (id: number) => !this.blocklist.blocks(index.key(id));
      for (const c of complete(index, query, fetch, this.options.typo, accept)) {
        const key = index.key(c.id);
        // A key in the delta carries its full current weight there; the main's is older.
        const weight = index === live.delta ? index.weight(c.id) : this.weightOf(live, key, c.id);
        add(key, index.text(c.id), c.distance, c.matched, weight);
      }
    }
    if (userId !== undefined) {
      for (const match of this.history.matches(userId, query, now, fetch)) {
        if (this.blocklist.blocks(match.key)) continue;
        add(
          match.key,
          match.text,
          0,
          query.length,
          this.weightOf(live, match.key, live.main.idOf(match.key)),
        );
      }
    }

    const suggestions = blend([...candidates.values()], this.options.blend)
      .slice(0, limit)
      .map(({ item, score, source }) => ({
        text: item.text,
        score: Math.round(score * 1e6) / 1e6,
        highlights: [highlight(item.text, item.key, item.matched)],
        source,
        typo: item.distance > 0,
      }));
    return { query, suggestions, personalized, generation };
  }

  /** Whether the answer to this request depends on who asks (so must not be shared). */
  personalizes(request: Pick<SuggestRequest, 'userId' | 'context'>): boolean {
    const user = request.userId !== undefined && this.history.has(request.userId);
    return user || contextTerms(request.context).size > 0;
  }

  private limitOf(limit: number | undefined): number {
    if (limit === undefined) return Math.min(10, this.options.maxLimit);
    if (!Number.isInteger(limit) || limit < 1 || limit > this.options.maxLimit) {
      throw problems.badRequest(`limit must be an integer from 1 to ${this.options.maxLimit}`);
    }
    return limit;
  }

  /** Current stored weight of a key (`mainId` its id in the main index, if any). */
  private weightOf(live: LiveIndex, key: string, mainId: number): number {
    if (live.delta.size > 0) {
      const id = live.delta.idOf(key);
      if (id !== NOT_FOUND) return live.delta.weight(id);
    }
    return mainId === NOT_FOUND ? 0 : live.main.weight(mainId);
  }
}

function contextTerms(context: readonly string[] | undefined): Set<string> {
  return new Set((context ?? []).flatMap((term) => tokens(normalize(term))));
}

/** Maps the matched part of a normalized key back onto the displayed text. */
function highlight(text: string, key: string, matched: number): Highlight {
  if (text === key) return { start: 0, end: matched };
  const { offsets } = normalizeWithOffsets(text);
  const end = Math.min(matched, offsets.length - 1);
  return { start: offsets[0]!, end: offsets[end]! };
}
