/**
 * Range queries evaluate window functions and simple aggregations for all steps at once
 * (steps.ts). Their answers must be the ones instant queries give at each step: checked here on
 * data with counter resets, staleness markers, gaps, jitter and several metrics.
 */
import { describe, expect, it } from 'vitest';
import { StaleNaN } from '../../src/chunkenc/xor.js';
import { labelsFromRecord, labelsKey } from '../../src/labels.js';
import { Engine } from '../../src/promql/engine.js';
import { Tsdb } from '../../src/tsdb.js';

const MIN = 60_000;

function database(): Tsdb {
  const db = Tsdb.open();
  const app = db.appender();
  const series = [
    { name: 'c', job: 'a', instance: '1' },
    { name: 'c', job: 'a', instance: '2' },
    { name: 'c', job: 'b', instance: '3' },
    { name: 'g', job: 'a', instance: '1' },
    { name: 'g', job: 'b', instance: '2' },
  ].map(({ name, ...rest }) => app.ref(labelsFromRecord({ __name__: name, ...rest })));
  for (const [i, ref] of series.entries()) {
    let counter = 0;
    for (let k = 0; k < 400; k++) {
      const t = k * 15_000 + (k % 7 === 3 ? 1 : 0) + i * 1000;
      if (i === 1 && k >= 120 && k < 150) continue; // a gap longer than the lookback
      counter = k === 200 && i === 0 ? 3 : counter + ((k * 7 + i) % 11); // one counter reset
      const gauge = Math.sin(k / 10 + i) * 100;
      const value = i === 4 && k === 250 ? StaleNaN : i >= 3 ? gauge : counter;
      app.append(ref, t, value);
    }
  }
  app.commit();
  return db;
}

const QUERIES = [
  'rate(c[5m])',
  'increase(c[3m] offset 2m)',
  'irate(c[1m])',
  'idelta(g[2m])',
  'delta(g[4m])',
  'deriv(g[5m])',
  'resets(c[10m])',
  'changes(g[3m])',
  'avg_over_time(g[5m])',
  'min_over_time(g[5m])',
  'max_over_time(g[7m] offset 1m)',
  'sum_over_time(c[2m])',
  'count_over_time(g[2m])',
  'last_over_time(g[2m])',
  'first_over_time(g[90s])',
  'present_over_time(c[1m])',
  'stddev_over_time(g[5m])',
  'stdvar_over_time(g[5m])',
  'mad_over_time(g[5m])',
  'max by (job) (last_over_time({__name__=~"c|g"}[2m]))',
  'sum by (job) (rate(c[5m]))',
  'avg without (instance) (rate(c[5m]))',
  'count(rate(c[1m]))',
  'group by (job) (g)',
  'stddev by (job) (delta(g[5m]))',
  'min(max_over_time(g[3m]))',
  'topk(1, rate(c[5m]))',
  'rate(c[5m]) * 2',
  'sum(rate(c[5m])) / count(rate(c[5m]))',
  'sum_over_time(sum(rate(c[5m]))[10m:1m])',
  'rate(c[5m] @ 3000)',
  '(sum by (job) ((rate(c[5m]))))',
];

describe('range queries evaluated for all steps at once', () => {
  const db = database();
  const engine = new Engine();
  for (const query of QUERIES)
    it(query, () => {
      const range = { start: 2 * MIN + 500, end: 100 * MIN, step: 37_000 };
      const matrix = engine.rangeQuery(db.querier(), query, range);
      const got = new Map(matrix.map((s) => [labelsKey(s.labels), [Array.from(s.t), Array.from(s.v)]]));
      const want = new Map<string, [number[], number[]]>();
      for (let t = range.start; t <= range.end; t += range.step) {
        const value = engine.instantQuery(db.querier(), query, t);
        if (value.type !== 'vector') throw new Error(`unexpected ${value.type}`);
        for (const s of value.samples) {
          const key = labelsKey(s.labels);
          const entry = want.get(key) ?? [[], []];
          entry[0].push(t);
          entry[1].push(s.v);
          want.set(key, entry);
        }
      }
      expect(want.size).toBeGreaterThan(0);
      expect(new Set(got.keys())).toEqual(new Set(want.keys()));
      for (const [key, value] of want) expect(got.get(key)).toEqual(value);
    });
});
