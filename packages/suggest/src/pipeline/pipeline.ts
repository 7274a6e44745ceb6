import { type Clock, systemClock } from '@parley/kit';
import { buildIndex, buildIndexAsync } from '../index/builder.js';
import { parseQuery } from '../query.js';
import { Decay } from '../ranking/decay.js';
import type { Suggester } from '../suggester.js';
import { type AggregatorOptions, QueryAggregator } from './aggregator.js';

export interface PipelineOptions extends AggregatorOptions {
  /** How often logged queries are folded into the delta index (default 10 s). */
  deltaIntervalMs: number;
  /** How often the main index is rebuilt from everything logged (default 15 min). */
  rebuildIntervalMs: number;
  /** A delta with more phrases than this triggers a full rebuild instead (default 50,000). */
  maxDelta: number;
  /** Where failures of the background flushes and rebuilds go (default: dropped after counting). */
  onError?: (error: unknown) => void;
}

export const DEFAULT_PIPELINE_OPTIONS: Omit<PipelineOptions, keyof AggregatorOptions> = {
  deltaIntervalMs: 10_000,
  rebuildIntervalMs: 15 * 60_000,
  maxDelta: 50_000,
};

export interface LoggedQuery {
  query: string;
  userId?: string;
  /** When it was asked (default now). */
  at?: number;
  /** How many times (default 1), for bulk imports. */
  count?: number;
}

/**
 * Feeds one tenant's suggester from its query log: queries are counted into time buckets at once,
 * folded into the small delta index every few seconds (so a new trending query shows up within
 * the interval), and the main index is rebuilt periodically from all buckets with fresh decay and
 * the blocklist purged. A rebuild runs in slices while the old index keeps serving, then swaps.
 */
export class SuggestPipeline {
  readonly options: PipelineOptions;
  readonly aggregator: QueryAggregator;
  private readonly suggester: Suggester;
  private readonly clock: Clock;
  private rebuilding: Promise<void> | undefined;
  private timers: NodeJS.Timeout[] = [];
  /** Background flushes or rebuilds that failed (the previous index kept serving). */
  failures = 0;

  constructor(
    suggester: Suggester,
    options: Partial<PipelineOptions> = {},
    clock: Clock = systemClock,
    aggregator?: QueryAggregator,
  ) {
    this.suggester = suggester;
    this.clock = clock;
    this.aggregator = aggregator ?? new QueryAggregator(options);
    this.options = { ...DEFAULT_PIPELINE_OPTIONS, ...this.aggregator.options, ...options };
  }

  /** Logs a query; throws a 400 problem for a query that could never be suggested. */
  log(entry: LoggedQuery): void {
    const key = parseQuery(entry.query, this.suggester.options.maxQueryLength);
    if (key.length === 0) return;
    const at = entry.at ?? this.clock.now();
    this.aggregator.add(entry.query, at, entry.count ?? 1);
    if (entry.userId !== undefined) this.suggester.recordUse(entry.userId, entry.query, at);
  }

  /** Folds the queries logged since the last flush into the delta index. */
  flush(): void {
    if (this.aggregator.hasFresh) this.buildDelta();
  }

  private buildDelta(): void {
    if (this.aggregator.changedCount > this.options.maxDelta) {
      this.inBackground(this.rebuild());
      return;
    }
    // The delta holds every phrase changed since the main index was built, at its current weight.
    const entries = this.aggregator.changedEntries(this.suggester.decay);
    this.suggester.setDelta(buildIndex(entries, { k: this.suggester.options.k }));
  }

  /** Rebuilds the main index; concurrent calls share one rebuild. */
  rebuild(): Promise<void> {
    this.rebuilding ??= this.runRebuild().finally(() => {
      this.rebuilding = undefined;
    });
    return this.rebuilding;
  }

  /** Starts the periodic flush and rebuild timers (they do not keep the process alive). */
  start(): void {
    if (this.timers.length > 0) return;
    this.timers = [
      setInterval(() => this.inBackground(async () => this.flush()), this.options.deltaIntervalMs),
      setInterval(() => this.inBackground(this.rebuild()), this.options.rebuildIntervalMs),
    ];
    for (const timer of this.timers) timer.unref();
  }

  stop(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }

  /** A timer's work must never become an unhandled rejection: it is reported and survived. */
  private inBackground(work: Promise<void> | (() => Promise<void>)): void {
    const promise = typeof work === 'function' ? work() : work;
    promise.catch((error: unknown) => {
      this.failures++;
      this.options.onError?.(error);
    });
  }

  private async runRebuild(): Promise<void> {
    const now = this.clock.now();
    const decay = new Decay(this.suggester.options.halfLifeMs, now);
    const { blocklist, history } = this.suggester;
    if (!blocklist.empty) {
      this.aggregator.purge((key) => blocklist.blocks(key));
      history.forget((key) => blocklist.blocks(key));
    }
    // Everything logged up to here goes into the new main index; later logs go to the next delta.
    this.aggregator.markRebuilt();
    const entries = this.aggregator.entries(decay, now);
    const index = await buildIndexAsync(entries, { k: this.suggester.options.k });
    this.suggester.replace(index, decay);
    // Queries logged while the index was being built.
    if (this.aggregator.changedCount > 0) this.buildDelta();
  }
}
