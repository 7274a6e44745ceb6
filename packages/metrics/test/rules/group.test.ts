import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labelsToRecord } from '../../src/labels.js';
import { Engine } from '../../src/promql/engine.js';
import { RuleFileError } from '../../src/rules/file.js';
import { Tsdb } from '../../src/tsdb.js';
import { at, harness, MINUTE, record } from './harness.js';

const SLOW_FOR = `
groups:
  - name: api
    rules:
      - alert: Slow
        expr: latency_seconds > 0.5
        for: 10m
`;

const stateAt = (h: ReturnType<typeof harness>, m: number) => {
  h.evalAt(m);
  const a = [...h.alertingRule('Slow').active.values()][0];
  return a ? `${a.state}@${(a.activeAt - at(0)) / MINUTE}` : 'none';
};

describe('rule groups', () => {
  it('restores the `for` timer after a restart, not counting the outage (RestoreForState)', () => {
    const first = harness(SLOW_FOR, { forGracePeriodMs: 2 * MINUTE });
    record(first.db, { __name__: 'latency_seconds', job: 'api' }, Array(40).fill(0.9));
    for (let m = 0; m <= 5; m++) stateAt(first, m);
    expect(stateAt(first, 6)).toBe('pending@0');
    // The process stops after minute 6 and comes back at minute 9 on the same database.
    const second = harness(SLOW_FOR, { forGracePeriodMs: 2 * MINUTE }, first.db);
    expect(stateAt(second, 9)).toBe('pending@9');
    // After the second evaluation the state is restored: 6 minutes were spent pending before the
    // last ALERTS_FOR_STATE sample (minute 6); the 4 minutes from it to the restore do not count,
    // so activeAt moves from 0 to 4 and the alert fires at minute 14.
    expect(stateAt(second, 10)).toBe('pending@4');
    expect([11, 12, 13].map((m) => stateAt(second, m))).toEqual(['pending@4', 'pending@4', 'pending@4']);
    expect(stateAt(second, 14)).toBe('firing@4');
  });

  it('restores from the write-ahead log of a database reopened from disk, as after a process restart', () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-rules-wal-'));
    try {
      const db = Tsdb.open({ dir });
      const first = harness(SLOW_FOR, { forGracePeriodMs: 2 * MINUTE }, db);
      record(db, { __name__: 'latency_seconds', job: 'api' }, Array(40).fill(0.9));
      for (let m = 0; m <= 6; m++) stateAt(first, m);
      db.close();
      const reopened = Tsdb.open({ dir });
      const second = harness(SLOW_FOR, { forGracePeriodMs: 2 * MINUTE }, reopened);
      stateAt(second, 9);
      expect(stateAt(second, 10)).toBe('pending@4');
      expect(stateAt(second, 14)).toBe('firing@4');
      reopened.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never fires a restored alert sooner than the grace period after the restart', () => {
    const first = harness(SLOW_FOR, { forGracePeriodMs: 2 * MINUTE });
    record(first.db, { __name__: 'latency_seconds', job: 'api' }, Array(40).fill(0.9));
    for (let m = 0; m <= 9; m++) stateAt(first, m); // 9 of 10 minutes pending
    const second = harness(SLOW_FOR, { forGracePeriodMs: 2 * MINUTE }, first.db);
    stateAt(second, 11);
    // 1 minute left < 2 minutes grace: activeAt = restore time + grace - for = 12 + 2 - 10.
    expect(stateAt(second, 12)).toBe('pending@4');
    expect(stateAt(second, 13)).toBe('pending@4');
    expect(stateAt(second, 14)).toBe('firing@4');
  });

  it('does not restore state older than the outage tolerance', () => {
    const first = harness(SLOW_FOR, { forGracePeriodMs: 2 * MINUTE, outageToleranceMs: 5 * MINUTE });
    record(first.db, { __name__: 'latency_seconds', job: 'api' }, Array(40).fill(0.9));
    for (let m = 0; m <= 6; m++) stateAt(first, m);
    const second = harness(
      SLOW_FOR,
      { forGracePeriodMs: 2 * MINUTE, outageToleranceMs: 5 * MINUTE },
      first.db,
    );
    stateAt(second, 20);
    expect(stateAt(second, 21)).toBe('pending@20');
  });

  it('writes recording rule results under the new name with the rule labels, and marks vanished series stale', () => {
    const h = harness(`
groups:
  - name: rec
    rules:
      - record: job:requests:rate1m
        expr: sum by (job) (rate(requests_total[2m]))
        labels:
          source: rules
      - record: answer
        expr: '42'
`);
    record(h.db, { __name__: 'requests_total', job: 'api', instance: 'a' }, [
      0,
      60,
      120,
      180,
      ...Array(6).fill(null),
    ]);
    record(
      h.db,
      { __name__: 'requests_total', job: 'web', instance: 'a' },
      [0, 120, 240, 360, 480, 600, 720, 840, 960, 1080],
    );
    for (let m = 1; m <= 9; m++) h.evalAt(m);
    const engine = new Engine();
    const q = (expr: string, m: number) => {
      const v = engine.instantQuery(h.db.querier(), expr, at(m));
      return v.type === 'vector' ? v.samples.map((s) => ({ ...labelsToRecord(s.labels), v: s.v })) : v;
    };
    expect(q('job:requests:rate1m', 3)).toEqual([
      { __name__: 'job:requests:rate1m', job: 'api', source: 'rules', v: 1 },
      { __name__: 'job:requests:rate1m', job: 'web', source: 'rules', v: 2 },
    ]);
    expect(q('answer', 3)).toEqual([{ __name__: 'answer', v: 42 }]);
    // api stops at minute 3; at minute 6 its rate window holds no samples: the series is stale
    // at once instead of lingering for the 5-minute lookback.
    expect(q('job:requests:rate1m', 6)).toEqual([
      { __name__: 'job:requests:rate1m', job: 'web', source: 'rules', v: 2 },
    ]);
    expect(h.manager.rules().map((r) => r.health)).toEqual(['ok', 'ok']);
  });

  it('reload keeps unchanged groups running, carries alert state into a changed group, and keeps old rules on a bad file', () => {
    const h = harness(SLOW_FOR);
    record(h.db, { __name__: 'latency_seconds', job: 'api' }, Array(20).fill(0.9));
    for (let m = 0; m <= 3; m++) stateAt(h, m);
    const file = h.manager.options.files[0]!;
    const before = h.manager.groups()[0];
    h.manager.reload();
    expect(h.manager.groups()[0]).toBe(before); // unchanged: same group object, untouched
    // A new rule next to the old one: the group is rebuilt, the Slow alert keeps activeAt 0.
    writeFileSync(
      file,
      `${SLOW_FOR}      - record: latency:max
        expr: max(latency_seconds)
`,
    );
    h.manager.reload();
    expect(h.manager.groups()[0]).not.toBe(before);
    expect(stateAt(h, 4)).toBe('pending@0');
    // An invalid file is refused as a whole and the running rules stay.
    writeFileSync(
      file,
      'groups:\n  - name: api\n    rules:\n      - alert: Slow\n        expr: latency_seconds >\n',
    );
    expect(() => h.manager.reload()).toThrow(RuleFileError);
    expect(h.manager.rules().map((r) => r.name)).toEqual(['Slow', 'latency:max']);
    expect(stateAt(h, 10)).toBe('firing@0');
  });

  it('marks the series of a removed group stale', () => {
    const h = harness(`
groups:
  - name: gone
    rules:
      - record: copy
        expr: source
`);
    record(h.db, { __name__: 'source' }, Array(10).fill(1));
    h.evalAt(1);
    h.evalAt(2);
    writeFileSync(h.manager.options.files[0]!, 'groups: []\n');
    h.manager.reload();
    const v = new Engine().instantQuery(h.db.querier(), 'copy', at(2) + 1000);
    expect(v).toEqual({ type: 'vector', samples: [] });
  });

  it('exports Prometheus group metrics', () => {
    const h = harness(SLOW_FOR);
    record(h.db, { __name__: 'latency_seconds', job: 'api' }, [0.9]);
    h.evalAt(0);
    const text = h.manager.exposition();
    const key = `${h.manager.options.files[0]};api`;
    expect(text).toContain(`prometheus_rule_group_interval_seconds{rule_group=${JSON.stringify(key)}} 60`);
    expect(text).toContain(`prometheus_rule_evaluations_total{rule_group=${JSON.stringify(key)}} 1`);
    expect(text).toContain(
      `prometheus_rule_group_last_evaluation_timestamp_seconds{rule_group=${JSON.stringify(key)}} ${at(0) / 1000}`,
    );
    expect(text).toContain('# TYPE prometheus_rule_group_iterations_missed_total counter');
  });
});
