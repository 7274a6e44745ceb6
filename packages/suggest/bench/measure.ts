import { summarize } from '@parley/kit/bench';
import type { TypedQuery } from '../src/corpus/queries.js';
import type { Engine } from './peers.js';

export interface Latency {
  p50: number;
  p99: number;
  /**
   * p99 over queries of each query's fastest of the `rounds` runs: its own cost, without the
   * scheduling stalls and cache evictions that other processes on a shared machine add.
   */
  bestP99: number;
}

/** Per-query latency in µs: a warm-up pass over (up to 100 of) the queries, then `rounds` timed passes. */
export function latency(engine: Engine, queries: readonly TypedQuery[], rounds: number): Latency {
  for (const q of queries.slice(0, 100)) engine.search(q.typed, 10);
  const samples: number[] = [];
  const best = new Float64Array(queries.length).fill(Number.POSITIVE_INFINITY);
  for (let round = 0; round < rounds; round++) {
    queries.forEach((q, i) => {
      const start = process.hrtime.bigint();
      engine.search(q.typed, 10);
      const us = Number(process.hrtime.bigint() - start) / 1000;
      samples.push(us);
      if (us < best[i]!) best[i] = us;
    });
  }
  const { p50, p99 } = summarize(samples);
  return { p50, p99, bestP99: summarize(best).p99 };
}

export interface Quality {
  /** Share of queries whose intended phrase is in the top 10. */
  recall: number;
  /** Mean reciprocal rank of the intended phrase (0 when absent from the top 10). */
  mrr: number;
}

export function quality(engine: Engine, queries: readonly TypedQuery[]): Quality {
  let found = 0;
  let reciprocal = 0;
  for (const q of queries) {
    const rank = engine.search(q.typed, 10).indexOf(q.intended);
    if (rank >= 0) {
      found++;
      reciprocal += 1 / (rank + 1);
    }
  }
  return { recall: found / queries.length, mrr: reciprocal / queries.length };
}

/** Heap plus off-heap bytes retained by what `make` returns, after full collections. */
export function retained<T>(gc: () => void, make: () => T): { value: T; bytes: number } {
  const used = () => {
    gc();
    gc();
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const before = used();
  const value = make();
  return { value, bytes: used() - before };
}

/** Wall time of `fn` in ms. */
export function timed<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}
