/**
 * A rule group (Prometheus rules/group.go): its rules evaluated in order at one timestamp per
 * interval, their samples written to the database, staleness markers for series a rule stopped
 * producing, due alerts sent, and the `for` state restored from ALERTS_FOR_STATE after a restart.
 */

import type { AlertSink, PostableAlert } from '../alerting/alert.js';
import { isStaleNaN, StaleNaN } from '../chunkenc/xor.js';
import { AppendError } from '../head.js';
import { Matcher } from '../index/matchers.js';
import {
  type Labels,
  labelsFromRecord,
  labelsKey,
  labelsToRecord,
  METRIC_NAME,
  setLabel,
} from '../labels.js';
import type { Tsdb } from '../tsdb.js';
import { type Alert, AlertingRule } from './alerting.js';
import type { GroupConfig } from './file.js';
import type { RecordingRule } from './recording.js';
import type { QueryFunc, Rule, RuleSample } from './rule.js';

export interface GroupOptions {
  db: Tsdb;
  query: QueryFunc;
  sink?: AlertSink;
  intervalMs: number;
  queryOffsetMs: number;
  resendDelayMs: number;
  /** Restore `for` state only from ALERTS_FOR_STATE samples this recent. */
  outageToleranceMs: number;
  /** A restored alert never fires sooner than this after the restart. */
  forGracePeriodMs: number;
  externalLabels: Record<string, string>;
  externalURL: string;
  /** Restore the `for` state after the first evaluations (start-up), not on a reload. */
  shouldRestore: boolean;
  onError?(rule: Rule, error: Error): void;
}

/** Counters Prometheus exports per group; kept by the manager across reloads. */
export interface GroupCounters {
  iterations: number;
  missed: number;
  evaluations: number;
  failures: number;
}

export class Group {
  readonly name: string;
  readonly file: string;
  readonly limit: number;
  readonly intervalMs: number;
  readonly queryOffsetMs: number;
  lastEvaluation: number | undefined;
  evaluationTimeMs = 0;
  lastSamples = 0;
  counters: GroupCounters = { iterations: 0, missed: 0, evaluations: 0, failures: 0 };
  /** Series each rule wrote at its last evaluation, to mark the ones it stops writing as stale. */
  private seriesInPreviousEval: Map<string, Labels>[];
  /** Series of rules removed by a reload, marked stale at the next evaluation. */
  private staleSeries: Labels[] = [];
  private shouldRestore: boolean;
  private evaluationsSinceStart = 0;

  constructor(
    readonly config: GroupConfig,
    readonly rules: (AlertingRule | RecordingRule)[],
    private readonly options: GroupOptions,
  ) {
    this.name = config.name;
    this.file = config.file;
    this.limit = config.limit;
    this.intervalMs = options.intervalMs;
    this.queryOffsetMs = options.queryOffsetMs;
    this.seriesInPreviousEval = rules.map(() => new Map());
    this.shouldRestore = options.shouldRestore;
  }

  get key(): string {
    return `${this.file};${this.name}`;
  }

  /**
   * One scheduled evaluation at `ts`. As Prometheus, the `for` state is restored after the second
   * evaluation since start-up: by then recording rules the alerts depend on have fresh values.
   */
  iterate(ts: number): void {
    this.counters.iterations++;
    this.eval(ts);
    if (this.shouldRestore && ++this.evaluationsSinceStart >= 2) {
      this.restoreForState(ts);
      this.shouldRestore = false;
    }
  }

  eval(ts: number): void {
    const started = performance.now();
    let samples = 0;
    this.rules.forEach((rule, i) => {
      const ruleStarted = performance.now();
      rule.lastEvaluation = ts;
      this.counters.evaluations++;
      let vector: RuleSample[];
      try {
        vector = rule.eval(ts, this.queryOffsetMs, this.options.query, this.limit);
      } catch (error) {
        rule.health = 'err';
        rule.lastError = (error as Error).message;
        rule.evaluationTimeMs = performance.now() - ruleStarted;
        this.counters.failures++;
        this.options.onError?.(rule, error as Error);
        return;
      }
      rule.health = 'ok';
      rule.lastError = '';
      samples += vector.length;
      if (rule instanceof AlertingRule) this.send(rule, ts);
      const returned = new Map<string, Labels>();
      for (const s of vector) returned.set(labelsKey(s.labels), s.labels);
      const stale: RuleSample[] = [];
      for (const [key, labels] of this.seriesInPreviousEval[i]!)
        if (!returned.has(key)) stale.push({ labels, t: ts - this.queryOffsetMs, v: StaleNaN });
      this.append([...vector, ...stale], rule);
      this.seriesInPreviousEval[i] = returned;
      rule.evaluationTimeMs = performance.now() - ruleStarted;
    });
    if (this.staleSeries.length > 0) {
      const t = ts - this.queryOffsetMs;
      this.append(
        this.staleSeries.map((labels) => ({ labels, t, v: StaleNaN })),
        undefined,
      );
      this.staleSeries = [];
    }
    this.lastSamples = samples;
    this.lastEvaluation = ts;
    this.evaluationTimeMs = performance.now() - started;
  }

  private append(samples: RuleSample[], rule: Rule | undefined): void {
    if (samples.length === 0) return;
    const app = this.options.db.appender();
    for (const s of samples) app.append(app.ref(s.labels), s.t, s.v);
    try {
      app.commit();
    } catch (error) {
      // A sample older than the series' newest (a clock step back) loses this batch, never the
      // evaluation; staleness markers of removed rules are best effort, as in Prometheus.
      if (!(error instanceof AppendError)) throw error;
      if (!rule) return;
      rule.health = 'err';
      rule.lastError = `writing results: ${(error as Error).message}`;
      this.options.onError?.(rule, error as Error);
    }
  }

  private send(rule: AlertingRule, ts: number): void {
    const sink = this.options.sink;
    if (!sink) return;
    const alerts = rule.alertsToSend(ts, this.options.resendDelayMs, this.intervalMs);
    if (alerts.length === 0) return;
    const generatorURL = `${this.options.externalURL}/graph?${new URLSearchParams({ 'g0.expr': rule.query, 'g0.tab': '1' })}`;
    const postable = alerts.map((a) => toPostable(a, this.options.externalLabels, generatorURL));
    try {
      const done = sink.send(postable);
      if (done) done.catch((error: unknown) => this.options.onError?.(rule, error as Error));
    } catch (error) {
      this.options.onError?.(rule, error as Error);
    }
  }

  /**
   * Prometheus's RestoreForState: each pending alert takes back the activeAt its last
   * ALERTS_FOR_STATE sample (within the outage tolerance) recorded, shifted by the downtime so
   * the outage does not count towards `for`, and never firing sooner than the grace period.
   */
  restoreForState(ts: number): void {
    const querier = this.options.db.querier();
    const grace = this.options.forGracePeriodMs;
    for (const rule of this.rules) {
      if (!(rule instanceof AlertingRule)) continue;
      const hold = rule.holdDurationMs;
      if (hold < grace) {
        rule.restored = true;
        continue;
      }
      const matchers = [new Matcher('=', METRIC_NAME, 'ALERTS_FOR_STATE')];
      for (const [name, value] of Object.entries(rule.forStateSelector()))
        matchers.push(new Matcher('=', name, value));
      const byLabels = new Map<string, { t: number; v: number }>();
      for (const s of querier.select(matchers, ts - this.options.outageToleranceMs, ts)) {
        if (s.samples.length === 0) continue;
        const last = s.samples.length - 1;
        byLabels.set(labelsKey(setLabel(s.labels, METRIC_NAME, '')), {
          t: s.samples.t[last]!,
          v: s.samples.v[last]!,
        });
      }
      for (const alert of rule.active.values()) {
        const found = byLabels.get(labelsKey(alert.labels));
        if (!found || isStaleNaN(found.v)) continue;
        const downAt = Math.floor(found.t / 1000) * 1000;
        let activeAt = found.v * 1000;
        const remaining = hold - (downAt - activeAt);
        if (remaining <= 0) {
          // It was firing when the process stopped; the next evaluation fires it again.
        } else if (remaining < grace) activeAt = ts + grace - hold;
        else activeAt += ts - downAt;
        alert.activeAt = activeAt;
      }
      rule.restored = true;
    }
  }

  /** Takes over the state of the group this one replaces on reload (Prometheus's CopyState). */
  copyState(from: Group): void {
    this.lastEvaluation = from.lastEvaluation;
    this.evaluationTimeMs = from.evaluationTimeMs;
    this.counters = from.counters;
    const byKey = new Map<string, number[]>();
    from.rules.forEach((rule, i) => {
      byKey.set(rule.key, [...(byKey.get(rule.key) ?? []), i]);
    });
    this.rules.forEach((rule, i) => {
      const indexes = byKey.get(rule.key);
      if (!indexes || indexes.length === 0) return;
      const fi = indexes.shift()!;
      this.seriesInPreviousEval[i] = from.seriesInPreviousEval[fi]!;
      const old = from.rules[fi]!;
      rule.health = old.health;
      rule.lastError = old.lastError;
      rule.lastEvaluation = old.lastEvaluation;
      rule.evaluationTimeMs = old.evaluationTimeMs;
      if (rule instanceof AlertingRule && old instanceof AlertingRule) {
        for (const [key, alert] of old.active) rule.active.set(key, alert);
        rule.restored = old.restored;
      }
    });
    this.staleSeries = [...from.staleSeries];
    // Rules that did not survive the reload: their series go stale.
    for (const indexes of byKey.values())
      for (const fi of indexes) this.staleSeries.push(...from.seriesInPreviousEval[fi]!.values());
  }

  /** Marks every series the group wrote as stale (the group was removed). */
  markStale(ts: number): void {
    const all = [...this.staleSeries];
    for (const series of this.seriesInPreviousEval) all.push(...series.values());
    // A marker must follow the last sample: a reload in the same millisecond as the last evaluation
    // would otherwise collide with it.
    const t = Math.max(ts, (this.lastEvaluation ?? ts) + 1) - this.queryOffsetMs;
    this.append(
      all.map((labels) => ({ labels, t, v: StaleNaN })),
      undefined,
    );
    this.seriesInPreviousEval = this.rules.map(() => new Map());
    this.staleSeries = [];
  }
}

function toPostable(a: Alert, externalLabels: Record<string, string>, generatorURL: string): PostableAlert {
  const labels = labelsToRecord(a.labels);
  // External labels never override the alert's own (Prometheus's notifier does the same).
  for (const [name, value] of Object.entries(externalLabels)) if (!(name in labels)) labels[name] = value;
  return {
    labels: labelsToRecord(labelsFromRecord(labels)),
    annotations: a.annotations,
    startsAt: new Date(a.firedAt ?? a.activeAt).toISOString(),
    endsAt: new Date(a.resolvedAt ?? a.validUntil!).toISOString(),
    generatorURL,
  };
}
