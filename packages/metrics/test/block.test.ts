import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { labelsFromRecord } from '../src/labels.js';
import { Engine } from '../src/promql/engine.js';
import type { RangeSeries } from '../src/promql/value.js';
import { Tsdb } from '../src/tsdb.js';

const HOUR = 3600_000;
const engine = new Engine();

function fill(db: Tsdb, hours: number): void {
  const app = db.appender();
  const refs = ['a', 'b', 'c'].map((i) =>
    app.ref(labelsFromRecord({ __name__: 'requests_total', instance: i })),
  );
  const gauge = app.ref(labelsFromRecord({ __name__: 'temperature' }));
  // Scrapes land 7s after each 15s boundary, as real scrapes do, never exactly on a window edge.
  for (let t = 7_000; t < hours * HOUR; t += 15_000) {
    refs.forEach((ref, k) => {
      app.append(ref, t, Math.floor(t / 15_000) * (k + 1));
    });
    app.append(gauge, t, 20 + Math.sin(t / HOUR) * 5);
  }
  app.commit();
}

function values(series: RangeSeries[]): Record<string, number[]> {
  return Object.fromEntries(series.map((s) => [JSON.stringify(s.labels), Array.from(s.v)]));
}

describe('blocks, compaction, retention and rollups', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-metrics-blocks-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('cuts 2h blocks from the head without changing query results, and reloads them', () => {
    const db = Tsdb.open({ dir });
    fill(db, 10);
    const query = 'sum by (instance) (rate(requests_total[5m]))';
    const range = { start: HOUR, end: 10 * HOUR - 1, step: 300_000 };
    const before = values(engine.rangeQuery(db.querier(), query, range));
    expect(db.cutBlocks()).toBe(4);
    expect(db.blocks().map((b) => [b.meta.minTime / HOUR, b.meta.maxTime / HOUR])).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
      [6, 8],
    ]);
    expect(db.head.minT).toBe(8 * HOUR + 7_000);
    expect(db.blocks('5m')).toHaveLength(4);
    expect(values(engine.rangeQuery(db.querier(), query, range))).toEqual(before);
    db.close();

    const reopened = Tsdb.open({ dir });
    expect(reopened.blocks()).toHaveLength(4);
    expect(reopened.head.minT).toBe(8 * HOUR + 7_000); // WAL checkpoint holds only what stayed in the head
    expect(values(engine.rangeQuery(reopened.querier(), query, range))).toEqual(before);
    expect(readdirSync(join(dir, 'wal'))).toHaveLength(2);
    reopened.close();
  });

  it('compacts complete windows and applies retention per tier', () => {
    const db = Tsdb.open({
      dir,
      compactionRangeMs: 6 * HOUR,
      retention: { rawMs: 8 * HOUR, rollup5mMs: 30 * HOUR },
    });
    fill(db, 14);
    const total = (d: Tsdb) =>
      engine.instantQuery(d.querier(), 'count_over_time(temperature[13h])', 13 * HOUR);
    const before = total(db);
    db.cutBlocks();
    db.maintain(14 * HOUR - 1);
    // Blocks [0,6h) and [6h,12h) were merged; nothing is old enough to expire yet (now - 8h = 6h).
    expect(
      db.blocks().map((b) => [b.meta.minTime / HOUR, b.meta.maxTime / HOUR, b.meta.compaction.level]),
    ).toEqual([
      [0, 6, 2],
      [6, 12, 2],
    ]);
    expect(total(db)).toEqual(before);
    db.maintain(14 * HOUR + 1); // the [0,6h) raw block is now past its retention
    expect(db.blocks().map((b) => b.meta.minTime / HOUR)).toEqual([6]);
    expect(db.blocks('5m').map((b) => b.meta.minTime / HOUR)).toEqual([0, 6]);
    db.close();
  });

  it('answers long-range queries from rollups, exactly for max/min/sum over aligned windows', () => {
    const db = Tsdb.open({ dir });
    fill(db, 30);
    const range = { start: 6 * HOUR, end: 24 * HOUR, step: HOUR };
    const queries = [
      'max_over_time(temperature[6h])',
      'min_over_time(temperature[1h])',
      'sum_over_time(temperature[6h])',
    ];
    const raw = queries.map((q) => values(engine.rangeQuery(db.querier(), q, range)));
    db.cutBlocks();
    queries.forEach((q, i) => {
      const rolled = values(engine.rangeQuery(db.querier(), q, range));
      const key = Object.keys(raw[i]!)[0]!;
      rolled[key]!.forEach((v, k) => {
        expect(v).toBeCloseTo(raw[i]![key]![k]!, 6);
      });
    });
    // A counter's rate from 1h-step rollups stays close to the raw answer.
    const rateRaw = values(
      engine.rangeQuery(db.querier(), 'rate(requests_total{instance="a"}[6h])', { ...range, step: 300_000 }),
    );
    const rateRolled = values(
      engine.rangeQuery(db.querier(), 'rate(requests_total{instance="a"}[6h])', range),
    );
    expect(Object.values(rateRolled)[0]![0]).toBeCloseTo(Object.values(rateRaw)[0]![0]!, 3);
    db.close();
  });

  it('keeps answering from rollups after raw data expired', () => {
    const db = Tsdb.open({ dir, retention: { rawMs: 4 * HOUR } });
    fill(db, 12);
    db.cutBlocks();
    db.maintain(12 * HOUR);
    expect(db.blocks().map((b) => b.meta.minTime / HOUR)).toEqual([8]);
    const r = engine.instantQuery(db.querier(), 'max_over_time(temperature[1h])', 3 * HOUR);
    expect(r.type).toBe('vector');
    if (r.type === 'vector') {
      expect(r.samples).toHaveLength(1);
      expect(r.samples[0]!.v).toBeGreaterThan(20);
    }
    db.close();
  });
});
