import { spawnSync } from 'node:child_process';
import { ManualClock } from '@parley/kit';
import { type AlertingRule, labelsFromRecord, type PostableAlert, RuleManager, Tsdb } from '@parley/metrics';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RULE_FILE } from '../src/modules/metrics-alerting.js';

const T0 = 1_700_000_000_000;
const STEP = 30_000;
const MINUTE = 60_000;
const HEALTHY_UNTIL = 70 * MINUTE;
const END = 95 * MINUTE;

/**
 * Parley's shipped objectives (alerting/objectives.rules.yml) against synthetic series shaped as
 * the self-scrape writes them (job="parley"): 70 healthy minutes, then every objective broken at
 * once. No rule may fire while healthy; every alert must fire once its `for` has passed.
 */
function synthetic(db: Tsdb): void {
  const app = db.appender();
  const series = (labels: Record<string, string>) => app.ref(labelsFromRecord({ job: 'parley', ...labels }));
  const ok = { method: 'GET', route: '/v1/conversations/:id', status_code: '200' };
  const bucket = (le: string) => series({ __name__: 'http_request_duration_seconds_bucket', ...ok, le });
  const buckets = { '0.1': bucket('0.1'), '0.5': bucket('0.5'), '1': bucket('1'), '+Inf': bucket('+Inf') };
  const count = (status: string) =>
    series({ __name__: 'http_request_duration_seconds_count', ...ok, status_code: status });
  const [ok200, err500, limited429] = [count('200'), count('500'), count('429')];
  // The scrape's own requests: fast, and excluded from the objective anyway.
  const scrape = series({
    __name__: 'http_request_duration_seconds_bucket',
    method: 'GET',
    route: '/metrics',
    status_code: '200',
    le: '+Inf',
  });
  const breaker = series({ __name__: 'parley_circuit_breaker_state', breaker: 'llm' });
  const waiting = series({ __name__: 'parley_queue_jobs', queue: 'llm', state: 'waiting' });
  const totals = { fast: 0, slow: 0, ok: 0, err: 0, limited: 0, scrape: 0 };
  for (let t = 0; t <= END; t += STEP) {
    const broken = t > HEALTHY_UNTIL;
    const perStep = (perSecond: number) => (perSecond * STEP) / 1000;
    // 10 requests/s: under 100 ms while healthy, between 500 ms and 1 s once broken.
    if (broken) totals.slow += perStep(10);
    else totals.fast += perStep(10);
    totals.ok += perStep(10);
    totals.err += broken ? perStep(2) : perStep(0.01); // 16.7% 5xx once broken, 0.1% before
    totals.limited += broken ? perStep(5) : perStep(0.05); // a surge from 0.05/s to 5/s
    totals.scrape += 2;
    const at = T0 + t;
    app.append(buckets['0.1'], at, totals.fast);
    app.append(buckets['0.5'], at, totals.fast);
    app.append(buckets['1'], at, totals.fast + totals.slow);
    app.append(buckets['+Inf'], at, totals.fast + totals.slow);
    app.append(ok200, at, totals.ok);
    app.append(err500, at, totals.err);
    app.append(limited429, at, totals.limited);
    app.append(scrape, at, totals.scrape);
    app.append(breaker, at, broken ? 1 : t % (10 * MINUTE) === 0 ? 2 : 0); // half-open now and then is fine
    app.append(waiting, at, broken ? 500 : 20);
  }
  app.commit();
}

describe("Parley's default alerting rules", () => {
  it('stay quiet while healthy and each fires on its broken objective', () => {
    const db = Tsdb.open();
    synthetic(db);
    const clock = new ManualClock(T0);
    const sent: PostableAlert[] = [];
    const manager = new RuleManager({
      db,
      files: [DEFAULT_RULE_FILE],
      clock,
      sink: { send: (a) => void sent.push(...a) },
    });
    manager.reload();
    const alerting = () => manager.rules().filter((r): r is AlertingRule => r.type === 'alerting');
    const firstFiring = new Map<string, number>();
    for (let t = 0; t <= END; t += STEP) {
      clock.set(T0 + t);
      manager.evaluate(T0 + t);
      for (const rule of alerting()) {
        if (t <= HEALTHY_UNTIL) expect(rule.activeAlerts(), `${rule.name} at ${t / MINUTE}m`).toEqual([]);
        if (rule.state === 'firing' && !firstFiring.has(rule.name))
          firstFiring.set(rule.name, (t - HEALTHY_UNTIL) / MINUTE);
      }
    }
    expect(manager.rules().every((r) => r.health === 'ok')).toBe(true);
    // Minutes after the break each alert fires: its `for`, plus the time its 5m rate window
    // needs to cross the threshold (the latency p95 at once, the error ratio after 1.5 minutes).
    expect(Object.fromEntries(firstFiring)).toEqual({
      ParleyApiLatencyHigh: 5.5,
      ParleyApiErrorRatioHigh: 6.5,
      ParleyRateLimitRejectionsSurge: 6,
      ParleyCircuitBreakerOpen: 1.5,
      ParleyQueueBacklog: 10.5,
    });
    const firing = sent.filter((a) => Date.parse(a.endsAt!) > clock.now());
    expect(new Set(firing.map((a) => a.labels.alertname))).toEqual(new Set(firstFiring.keys()));
    expect(firing.find((a) => a.labels.alertname === 'ParleyCircuitBreakerOpen')?.labels).toEqual({
      alertname: 'ParleyCircuitBreakerOpen',
      breaker: 'llm',
      objective: 'dependencies',
      severity: 'warning',
    });
    expect(firing.find((a) => a.labels.alertname === 'ParleyQueueBacklog')?.annotations.summary).toBe(
      'Queue llm has 500 jobs waiting for 10 minutes',
    );
  });

  // Prometheus's own checker, where installed: the shipped file is a valid Prometheus rule file.
  it.skipIf(spawnSync('promtool', ['--version']).status !== 0)('pass promtool check rules', () => {
    const run = spawnSync('promtool', ['check', 'rules', DEFAULT_RULE_FILE], { encoding: 'utf8' });
    expect(run.stdout).toContain('SUCCESS: 7 rules found');
  });
});
