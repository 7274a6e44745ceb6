/**
 * Chooses, per selector, between raw data (blocks + head) and rollups: long-range queries
 * (step ≥ 1h) read 5m or 1h rollups, and any query reaching back past the raw retention reads
 * rollups for the part raw data no longer covers. Rollup series lose their `__rollup__` label,
 * so callers cannot tell the difference except in resolution.
 */
import { Matcher } from './index/matchers.js';
import type { Labels } from './labels.js';
import { labelsKey } from './labels.js';
import {
  type BlockReader,
  MergeQuerier,
  type Querier,
  type SelectHints,
  type SeriesData,
} from './querier.js';
import { aggregateFor, RESOLUTION_1H, ROLLUP_LABEL, type RollupAggregate } from './rollup.js';
import { SampleBuffer } from './samples.js';

export class TieredQuerier implements Querier {
  private readonly raw: MergeQuerier;
  private readonly r5m: MergeQuerier;
  private readonly r1h: MergeQuerier;
  private readonly rawStart: number;
  private readonly r5mStart: number;
  private readonly r5mEnd: number;
  private readonly r1hEnd: number;

  constructor(
    raw: readonly BlockReader[],
    rollup5m: readonly BlockReader[],
    rollup1h: readonly BlockReader[],
  ) {
    this.raw = new MergeQuerier(raw);
    this.r5m = new MergeQuerier(rollup5m);
    this.r1h = new MergeQuerier(rollup1h);
    this.rawStart = Math.min(...raw.map((b) => b.minT));
    this.r5mStart = Math.min(...rollup5m.map((b) => b.minT));
    this.r5mEnd = Math.max(...rollup5m.map((b) => b.maxT));
    this.r1hEnd = Math.max(...rollup1h.map((b) => b.maxT));
  }

  /** The rollup tier for a long-range selector, if any. */
  private tierFor(hints: SelectHints | undefined): { q: MergeQuerier; end: number } | undefined {
    const step = hints?.step ?? 0;
    const range = hints?.range ?? 0;
    if (step < RESOLUTION_1H) return undefined;
    if (range === 0) return { q: this.r5m, end: this.r5mEnd };
    if (range >= 6 * RESOLUTION_1H) return { q: this.r1h, end: this.r1hEnd };
    if (range >= 30 * 60_000) return { q: this.r5m, end: this.r5mEnd };
    return undefined;
  }

  select(matchers: readonly Matcher[], mint: number, maxt: number, hints?: SelectHints): SeriesData[] {
    const agg = aggregateFor(hints?.func);
    if (agg === undefined) return this.raw.select(matchers, mint, maxt);
    const tier = this.tierFor(hints);
    if (tier && tier.end > mint) {
      const rolled = this.fromRollup(tier.q, agg, matchers, mint, Math.min(maxt, tier.end));
      return tier.end >= maxt ? rolled : merge(rolled, this.raw.select(matchers, tier.end + 1, maxt));
    }
    const raw = this.raw.select(matchers, mint, maxt);
    // Raw data already expired for the start of the range: fill it from the finest rollup left.
    if (mint < this.rawStart && this.r5mEnd > mint) {
      const q = mint >= this.r5mStart ? this.r5m : this.r1h;
      return merge(this.fromRollup(q, agg, matchers, mint, Math.min(maxt, this.rawStart - 1)), raw);
    }
    return raw;
  }

  private fromRollup(
    q: MergeQuerier,
    agg: RollupAggregate,
    matchers: readonly Matcher[],
    mint: number,
    maxt: number,
  ): SeriesData[] {
    return q
      .select([...matchers, new Matcher('=', ROLLUP_LABEL, agg)], mint, maxt)
      .map((s) => ({ labels: s.labels.filter((l) => l.name !== ROLLUP_LABEL), samples: s.samples }));
  }

  series(matchers: readonly Matcher[][], mint: number, maxt: number): Labels[] {
    return this.raw.series(matchers, mint, maxt);
  }
  labelNames(matchers: readonly Matcher[][], mint: number, maxt: number): string[] {
    return this.raw.labelNames(matchers, mint, maxt);
  }
  labelValues(name: string, matchers: readonly Matcher[][], mint: number, maxt: number): string[] {
    return this.raw.labelValues(name, matchers, mint, maxt);
  }
}

function merge(a: SeriesData[], b: SeriesData[]): SeriesData[] {
  const byKey = new Map<string, SeriesData>();
  for (const s of [...a, ...b]) {
    const key = labelsKey(s.labels);
    const prev = byKey.get(key);
    byKey.set(key, prev ? { labels: s.labels, samples: SampleBuffer.merge(prev.samples, s.samples) } : s);
  }
  return [...byKey.values()];
}
