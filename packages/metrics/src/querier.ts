/**
 * Read path shared by the head, on-disk blocks and rollups: a block reader exposes an index and
 * per-series samples; a querier merges several readers into one view of the series.
 */
import type { Matcher } from './index/matchers.js';
import { postingsForMatchers } from './index/matchers.js';
import type { IndexReader } from './index/postings.js';
import { type Labels, labelsKey } from './labels.js';
import { SampleBuffer } from './samples.js';

export interface SeriesData {
  labels: Labels;
  samples: SampleBuffer;
}

/** What the engine is about to do with the selected data; lets storage pick rollups. */
export interface SelectHints {
  /** Range query step in ms (0 for instant queries). */
  step?: number;
  /** Function the selector is an argument of, e.g. `max_over_time`. */
  func?: string;
  /** Range of the enclosing matrix selector in ms. */
  range?: number;
}

export interface Querier {
  select(matchers: readonly Matcher[], mint: number, maxt: number, hints?: SelectHints): SeriesData[];
  labelNames(matchers: readonly Matcher[][], mint: number, maxt: number): string[];
  labelValues(name: string, matchers: readonly Matcher[][], mint: number, maxt: number): string[];
  series(matchers: readonly Matcher[][], mint: number, maxt: number): Labels[];
}

export interface BlockReader extends IndexReader {
  readonly minT: number;
  readonly maxT: number;
  samples(ref: number, mint: number, maxt: number): SampleBuffer;
}

/** A querier over blocks that do not overlap in series identity but may overlap in time. */
export class MergeQuerier implements Querier {
  constructor(private readonly blocks: readonly BlockReader[]) {}

  private overlapping(mint: number, maxt: number): BlockReader[] {
    return this.blocks.filter((b) => b.maxT >= mint && b.minT <= maxt);
  }

  select(matchers: readonly Matcher[], mint: number, maxt: number): SeriesData[] {
    const blocks = this.overlapping(mint, maxt);
    if (blocks.length === 1) return selectOne(blocks[0]!, matchers, mint, maxt);
    const byKey = new Map<string, SeriesData>();
    for (const block of blocks) {
      for (const ref of postingsForMatchers(block, matchers)) {
        const labels = block.series(ref);
        if (!labels) continue;
        const samples = block.samples(ref, mint, maxt);
        if (samples.length === 0) continue;
        const key = labelsKey(labels);
        const existing = byKey.get(key);
        if (existing) existing.samples = SampleBuffer.merge(existing.samples, samples);
        else byKey.set(key, { labels, samples });
      }
    }
    return [...byKey.values()];
  }

  series(matcherSets: readonly Matcher[][], mint: number, maxt: number): Labels[] {
    const byKey = new Map<string, Labels>();
    for (const block of this.overlapping(mint, maxt)) {
      for (const matchers of matcherSets) {
        for (const ref of postingsForMatchers(block, matchers)) {
          const labels = block.series(ref);
          if (labels) byKey.set(labelsKey(labels), labels);
        }
      }
    }
    return [...byKey.values()];
  }

  labelNames(matcherSets: readonly Matcher[][], mint: number, maxt: number): string[] {
    const names = new Set<string>();
    if (matcherSets.length === 0) {
      for (const b of this.overlapping(mint, maxt)) for (const n of b.labelNames()) names.add(n);
    } else {
      for (const labels of this.series(matcherSets, mint, maxt)) for (const l of labels) names.add(l.name);
    }
    return [...names].sort();
  }

  labelValues(name: string, matcherSets: readonly Matcher[][], mint: number, maxt: number): string[] {
    const values = new Set<string>();
    if (matcherSets.length === 0) {
      for (const b of this.overlapping(mint, maxt)) for (const v of b.labelValues(name)) values.add(v);
    } else {
      for (const labels of this.series(matcherSets, mint, maxt))
        for (const l of labels) if (l.name === name) values.add(l.value);
    }
    return [...values].sort();
  }
}

/** One block holds each series once: no merging needed. */
function selectOne(
  block: BlockReader,
  matchers: readonly Matcher[],
  mint: number,
  maxt: number,
): SeriesData[] {
  const out: SeriesData[] = [];
  for (const ref of postingsForMatchers(block, matchers)) {
    const labels = block.series(ref);
    if (!labels) continue;
    const samples = block.samples(ref, mint, maxt);
    if (samples.length > 0) out.push({ labels, samples });
  }
  return out;
}
