import type { IndexEntry } from '../index/builder.js';
import { MAX_KEY_LENGTH } from '../index/layout.js';
import { normalize } from '../normalize.js';
import type { Decay } from '../ranking/decay.js';

export interface AggregatorOptions {
  /** Width of a time bucket (default one hour). */
  bucketMs: number;
  /** Buckets older than this are dropped at the next rebuild (default 60 days). */
  retentionMs: number;
}

export const DEFAULT_AGGREGATOR_OPTIONS: AggregatorOptions = {
  bucketMs: 3600_000,
  retentionMs: 60 * 24 * 3600_000,
};

interface Phrase {
  /** The spelling most recently logged. */
  text: string;
  /** Bucket start (ms) → count. */
  buckets: Map<number, number>;
}

/** Serializable state: [key, text, [bucketStart, count][]][]. */
export type AggregateState = [string, string, [number, number][]][];

/**
 * Counts logged queries per normalized phrase in fixed time buckets, so a rebuild can weigh each
 * bucket by its age, and remembers which phrases changed since the last rebuild for the delta.
 */
export class QueryAggregator {
  readonly options: AggregatorOptions;
  private readonly phrases = new Map<string, Phrase>();
  /** Phrases changed since the last rebuild (the delta's content). */
  private changed = new Set<string>();
  /** Whether anything was added since the delta was last built. */
  private fresh = false;

  constructor(options: Partial<AggregatorOptions> = {}) {
    this.options = { ...DEFAULT_AGGREGATOR_OPTIONS, ...options };
  }

  get size(): number {
    return this.phrases.size;
  }

  /** Number of phrases changed since the last rebuild. */
  get changedCount(): number {
    return this.changed.size;
  }

  /** Whether phrases were added since the last `changedEntries`. */
  get hasFresh(): boolean {
    return this.fresh;
  }

  /** Counts `count` uses of a phrase at `at`; returns its key, or undefined if it is unusable. */
  add(text: string, at: number, count = 1): string | undefined {
    const key = normalize(text);
    if (key.length === 0 || key.length > MAX_KEY_LENGTH || !(count > 0)) return undefined;
    const bucket = at - (at % this.options.bucketMs);
    let phrase = this.phrases.get(key);
    if (phrase === undefined) {
      phrase = { text, buckets: new Map() };
      this.phrases.set(key, phrase);
    }
    phrase.text = text;
    phrase.buckets.set(bucket, (phrase.buckets.get(bucket) ?? 0) + count);
    this.changed.add(key);
    this.fresh = true;
    return key;
  }

  /** Every phrase with its forward-decayed weight; drops buckets past retention first. */
  entries(decay: Decay, now: number): IndexEntry[] {
    const oldest = now - this.options.retentionMs;
    const out: IndexEntry[] = [];
    for (const [key, phrase] of this.phrases) {
      for (const bucket of phrase.buckets.keys()) if (bucket < oldest) phrase.buckets.delete(bucket);
      if (phrase.buckets.size === 0) this.phrases.delete(key);
      else out.push({ text: phrase.text, weight: this.weigh(phrase, decay) });
    }
    return out;
  }

  /** The phrases changed since the last rebuild, with their full current weights. */
  changedEntries(decay: Decay): IndexEntry[] {
    const out: IndexEntry[] = [];
    for (const key of this.changed) {
      const phrase = this.phrases.get(key);
      if (phrase !== undefined) out.push({ text: phrase.text, weight: this.weigh(phrase, decay) });
    }
    this.fresh = false;
    return out;
  }

  /** Starts a new rebuild period: what was logged so far goes into the main index. */
  markRebuilt(): void {
    this.changed = new Set();
    this.fresh = false;
  }

  /** Forgets phrases for good (blocked ones, purged at rebuild). */
  purge(blocked: (key: string) => boolean): number {
    let removed = 0;
    for (const key of this.phrases.keys()) {
      if (blocked(key)) {
        this.phrases.delete(key);
        this.changed.delete(key);
        removed++;
      }
    }
    return removed;
  }

  toState(): AggregateState {
    return [...this.phrases].map(([key, { text, buckets }]) => [key, text, [...buckets]]);
  }

  static fromState(state: AggregateState, options: Partial<AggregatorOptions> = {}): QueryAggregator {
    const aggregator = new QueryAggregator(options);
    for (const [key, text, buckets] of state)
      aggregator.phrases.set(key, { text, buckets: new Map(buckets) });
    return aggregator;
  }

  private weigh(phrase: Phrase, decay: Decay): number {
    let weight = 0;
    // A bucket's events are taken to sit at its middle.
    const half = this.options.bucketMs / 2;
    for (const [bucket, count] of phrase.buckets) weight += decay.weigh(count, bucket + half);
    return weight;
  }
}
