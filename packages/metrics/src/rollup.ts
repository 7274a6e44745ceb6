/**
 * Rollups (downsampling): per series and per bucket of 5m or 1h, the min, max, sum, count and
 * last of the raw samples, stored as series with an extra `__rollup__` label in blocks of their
 * own. Long-range queries read them instead of raw samples (see TieredQuerier).
 */

import type { BlockInput } from './block.js';
import { isStaleAt } from './chunkenc/xor.js';
import type { Label, Labels } from './labels.js';
import { SampleBuffer } from './samples.js';

export const ROLLUP_LABEL = '__rollup__';
export const ROLLUP_AGGREGATES = ['min', 'max', 'sum', 'count', 'last'] as const;
export type RollupAggregate = (typeof ROLLUP_AGGREGATES)[number];

export const RESOLUTION_5M = 5 * 60_000;
export const RESOLUTION_1H = 60 * 60_000;

function withAggregate(labels: Labels, agg: RollupAggregate): Labels {
  const out: Label[] = [...labels, { name: ROLLUP_LABEL, value: agg }];
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Aggregates each series into buckets of `resolution`. A bucket's samples are stamped at the
 * bucket's last millisecond, so a window (t - range, t] covers whole buckets when t is aligned.
 * Staleness markers are skipped: a rollup has no gaps shorter than its resolution.
 */
export function* rollup(series: Iterable<BlockInput>, resolution: number): IterableIterator<BlockInput> {
  for (const s of series) {
    const out = Object.fromEntries(ROLLUP_AGGREGATES.map((a) => [a, new SampleBuffer()])) as Record<
      RollupAggregate,
      SampleBuffer
    >;
    const b = s.samples;
    let bucket = Number.NaN;
    let min = 0;
    let max = 0;
    let sum = 0;
    let count = 0;
    let last = 0;
    const flush = () => {
      if (count === 0) return;
      const t = bucket + resolution - 1;
      out.min.push(t, min);
      out.max.push(t, max);
      out.sum.push(t, sum);
      out.count.push(t, count);
      out.last.push(t, last);
    };
    for (let i = 0; i < b.length; i++) {
      if (isStaleAt(b.v, i)) continue;
      const t = b.t[i]!;
      const v = b.v[i]!;
      const start = Math.floor(t / resolution) * resolution;
      if (start !== bucket) {
        flush();
        bucket = start;
        min = v;
        max = v;
        sum = 0;
        count = 0;
      }
      if (v < min) min = v;
      if (v > max) max = v;
      sum += v;
      count++;
      last = v;
    }
    flush();
    for (const agg of ROLLUP_AGGREGATES)
      if (out[agg].length > 0) yield { labels: withAggregate(s.labels, agg), samples: out[agg] };
  }
}

/** Which rollup aggregate answers a selector used as the argument of `func`; undefined: raw only. */
export function aggregateFor(func: string | undefined): RollupAggregate | undefined {
  switch (func) {
    case 'min_over_time':
      return 'min';
    case 'max_over_time':
      return 'max';
    case 'sum_over_time':
      return 'sum';
    case undefined:
    case 'last_over_time':
    case 'rate':
    case 'increase':
    case 'irate':
    case 'delta':
    case 'idelta':
    case 'deriv':
    case 'predict_linear':
      return 'last';
    default:
      return undefined;
  }
}
