import { describe, expect, it } from 'vitest';
import { isStaleNaN } from '../../src/chunkenc/xor.js';
import { Matcher } from '../../src/index/matchers.js';
import { labelsToRecord } from '../../src/labels.js';
import { Engine } from '../../src/promql/engine.js';
import { at, harness, iso, MINUTE, record } from './harness.js';

const LATENCY_RULE = `
groups:
  - name: api
    rules:
      - alert: HighLatency
        expr: latency_seconds > 0.5
        for: 3m
        labels:
          severity: page
          team: '{{ $labels.job }}-oncall'
        annotations:
          summary: '{{ $labels.job }} is slow: {{ $value | humanizeDuration }}'
`;

/** Minute-by-minute values: quiet, 5 minutes above 0.5 s, quiet again. */
const LATENCY = [0.1, 0.9, 0.9, 0.9, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1];

describe('alerting rules', () => {
  it('walks inactive -> pending -> firing -> resolved and sends exactly what Prometheus sends', () => {
    const h = harness(LATENCY_RULE);
    record(h.db, { __name__: 'latency_seconds', job: 'api' }, LATENCY);
    const rule = h.alertingRule('HighLatency');
    const states: string[] = [];
    const sent: { minute: number; endsAt: string | undefined; startsAt: string }[] = [];
    for (let m = 0; m < LATENCY.length; m++) {
      h.evalAt(m);
      const alert = [...rule.active.values()][0];
      states.push(alert ? alert.state : 'none');
      for (const a of h.sink.take()) sent.push({ minute: m, startsAt: a.startsAt, endsAt: a.endsAt });
    }
    expect(states).toEqual([
      'none',
      'pending',
      'pending',
      'pending',
      'firing',
      'firing',
      'inactive', // resolved at minute 6, kept for 15 minutes
      'inactive',
      'inactive',
      'inactive',
      'inactive',
      'inactive',
    ]);
    // Firing: at once, then when the resend delay has passed (strictly); resolved: at once, then
    // re-sent every resend delay while kept, with endsAt the resolve time.
    expect(sent).toEqual([
      { minute: 4, startsAt: iso(4), endsAt: iso(4 + 4) },
      { minute: 6, startsAt: iso(4), endsAt: iso(6) },
      { minute: 8, startsAt: iso(4), endsAt: iso(6) },
      { minute: 10, startsAt: iso(4), endsAt: iso(6) },
    ]);
  });

  it('expands label and annotation templates and sends the Alertmanager payload', () => {
    const h = harness(LATENCY_RULE, {
      externalLabels: { cluster: 'eu1', severity: 'ignored' },
      externalURL: 'http://parley.test',
    });
    record(h.db, { __name__: 'latency_seconds', job: 'api' }, LATENCY);
    for (let m = 0; m <= 4; m++) h.evalAt(m);
    expect(h.sink.take()).toEqual([
      {
        labels: {
          alertname: 'HighLatency',
          cluster: 'eu1',
          job: 'api',
          severity: 'page',
          team: 'api-oncall',
        },
        annotations: { summary: 'api is slow: 900ms' },
        startsAt: iso(4),
        endsAt: iso(8),
        generatorURL: 'http://parley.test/graph?g0.expr=latency_seconds+%3E+0.5&g0.tab=1',
      },
    ]);
  });

  it('writes ALERTS and ALERTS_FOR_STATE while pending and firing, and marks them stale once resolved', () => {
    const h = harness(LATENCY_RULE);
    record(h.db, { __name__: 'latency_seconds', job: 'api' }, LATENCY);
    for (let m = 0; m <= 7; m++) h.evalAt(m);
    const engine = new Engine();
    const q = (expr: string, m: number) => {
      const v = engine.instantQuery(h.db.querier(), expr, at(m));
      return v.type === 'vector' ? v.samples.map((s) => ({ ...labelsToRecord(s.labels), value: s.v })) : [];
    };
    const labels = { alertname: 'HighLatency', job: 'api', severity: 'page', team: 'api-oncall' };
    // Series are written from the third evaluation on: the first two wait for the `for` restore.
    expect(q('ALERTS', 1)).toEqual([]);
    expect(q('ALERTS', 2)).toEqual([{ __name__: 'ALERTS', ...labels, alertstate: 'pending', value: 1 }]);
    expect(q('ALERTS', 5)).toEqual([{ __name__: 'ALERTS', ...labels, alertstate: 'firing', value: 1 }]);
    expect(q('ALERTS_FOR_STATE', 5)).toEqual([
      { __name__: 'ALERTS_FOR_STATE', ...labels, value: at(1) / 1000 },
    ]);
    // Resolved at minute 6: both series end with a staleness marker, so they vanish at once.
    expect(q('ALERTS', 6)).toEqual([]);
    expect(q('ALERTS_FOR_STATE', 6)).toEqual([]);
    const raw = h.db.querier().select([new Matcher('=', '__name__', 'ALERTS')], at(0), at(7));
    const firing = raw.find((s) => labelsToRecord(s.labels).alertstate === 'firing')!;
    expect(isStaleNaN(firing.samples.v[firing.samples.length - 1]!)).toBe(true);
  });

  it('keeps firing for keep_firing_for after the condition clears, and resets it when it returns', () => {
    const h = harness(`
groups:
  - name: g
    rules:
      - alert: Errors
        expr: errors > 0
        keep_firing_for: 3m
`);
    //                                                    0  1  2  3  4  5  6  7  8  9  10 11
    record(h.db, { __name__: 'errors' }, [0, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    const rule = h.alertingRule('Errors');
    const states: string[] = [];
    const since: (number | undefined)[] = [];
    for (let m = 0; m < 12; m++) {
      h.evalAt(m);
      const a = [...rule.active.values()][0];
      states.push(a?.state ?? 'none');
      since.push(a?.keepFiringSince === undefined ? undefined : (a.keepFiringSince - at(0)) / MINUTE);
    }
    // No `for`: firing at once. Minute 2, 3 keep firing; the condition returns at 4 (reset);
    // kept from 5 to 7, resolved at 8 (3 minutes after 5).
    expect(states).toEqual([
      'none',
      'firing',
      'firing',
      'firing',
      'firing',
      'firing',
      'firing',
      'firing',
      'inactive',
      'inactive',
      'inactive',
      'inactive',
    ]);
    expect(since.slice(0, 9)).toEqual([undefined, undefined, 2, 2, undefined, 5, 5, 5, 5]);
    const sent = h.sink.batches.map((b) => ({
      minute: (b.at - at(0)) / MINUTE,
      endsAt: b.alerts[0]!.endsAt,
    }));
    expect(sent).toEqual([
      { minute: 1, endsAt: iso(5) },
      { minute: 3, endsAt: iso(7) },
      { minute: 5, endsAt: iso(9) },
      { minute: 7, endsAt: iso(11) },
      { minute: 8, endsAt: iso(8) },
      { minute: 10, endsAt: iso(8) },
    ]);
  });

  it('does not flood the receiver when the condition flaps: keep_firing_for holds one alert', () => {
    const yaml = (keep: string) => `
groups:
  - name: g
    rules:
      - alert: Flappy
        expr: up == 0
        ${keep}
`;
    const flapping = Array.from({ length: 30 }, (_, i) => i % 2); // down every other minute
    const plain = harness(yaml(''));
    const held = harness(yaml('keep_firing_for: 5m'));
    for (const h of [plain, held]) {
      record(h.db, { __name__: 'up', job: 'x' }, flapping);
      for (let m = 0; m < 30; m++) h.evalAt(m);
    }
    const startsOf = (h: typeof plain) => new Set(h.sink.take().map((a) => a.startsAt));
    // Without keep_firing_for every flap is a new alert (a new startsAt) for the notifier to group.
    expect(startsOf(plain).size).toBe(15);
    // With it, one alert fires at minute 0 and stays firing: one startsAt in all notifications.
    expect([...startsOf(held)]).toEqual([iso(0)]);
    expect(held.alertingRule('Flappy').state).toBe('firing');
  });

  it('forgets a pending alert that clears before `for`, and re-activates a resolved one from scratch', () => {
    const h = harness(LATENCY_RULE);
    //                                                             0    1    2    3    4    5    6    7    8    9    10
    record(
      h.db,
      { __name__: 'latency_seconds', job: 'api' },
      [0.1, 0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.9, 0.1, 0.9, 0.9],
    );
    const rule = h.alertingRule('HighLatency');
    const trace: string[] = [];
    for (let m = 0; m <= 10; m++) {
      h.evalAt(m);
      const a = [...rule.active.values()][0];
      trace.push(a ? `${a.state}@${(a.activeAt - at(0)) / MINUTE}` : 'none');
    }
    expect(trace).toEqual([
      'none',
      'pending@1',
      'pending@1',
      'none', // pending alerts that clear are dropped
      'pending@4',
      'pending@4',
      'pending@4',
      'firing@4',
      'inactive@4', // resolved, kept
      'pending@9', // active again: a new alert, its own `for`
      'pending@9',
    ]);
  });

  it('reports a failing rule as health err with lastError and evaluates the others', () => {
    const h = harness(`
groups:
  - name: g
    rules:
      - record: job:dup:product
        expr: dup * on(job) dup
      - alert: Always
        expr: vector(1)
`);
    record(h.db, { __name__: 'dup', job: 'x', instance: 'a' }, [1]);
    record(h.db, { __name__: 'dup', job: 'x', instance: 'b' }, [1]);
    h.evalAt(0);
    const [broken, always] = h.manager.rules();
    expect(broken!.health).toBe('err');
    expect(broken!.lastError).toMatch(/many-to-many|duplicate series/);
    expect(always!.health).toBe('ok');
    expect(h.sink.take()).toHaveLength(1);
  });

  it('refuses more alerts than the group limit and drops the rule state', () => {
    const h = harness(`
groups:
  - name: g
    limit: 1
    rules:
      - alert: Down
        expr: up == 0
`);
    record(h.db, { __name__: 'up', job: 'a' }, [0]);
    record(h.db, { __name__: 'up', job: 'b' }, [0]);
    h.evalAt(0);
    const rule = h.alertingRule('Down');
    expect(rule.health).toBe('err');
    expect(rule.lastError).toBe('exceeded limit of 1 with 2 alerts');
    expect(rule.active.size).toBe(0);
  });

  it('rejects results that collide once the alert labels are applied', () => {
    const h = harness(`
groups:
  - name: g
    rules:
      - alert: Collide
        expr: up == 0
        labels:
          job: fixed
`);
    record(h.db, { __name__: 'up', job: 'a' }, [0]);
    record(h.db, { __name__: 'up', job: 'b' }, [0]);
    h.evalAt(0);
    expect(h.alertingRule('Collide').lastError).toBe(
      'vector contains metrics with the same labelset after applying alert labels',
    );
  });
});
