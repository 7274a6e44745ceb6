/**
 * The rule manager (Prometheus rules/manager.go): loads rule files, evaluates each group on its
 * own schedule against one database, sends alerts to a sink, and reloads files keeping the state
 * of groups that did not change (and of unchanged rules in groups that did).
 */
import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Clock } from '@parley/kit';
import type { AlertSink } from '../alerting/alert.js';
import { Engine } from '../promql/engine.js';
import type { Tsdb } from '../tsdb.js';
import { AlertingRule } from './alerting.js';
import { type GroupConfig, loadRuleFiles } from './file.js';
import { Group } from './group.js';
import { RecordingRule } from './recording.js';
import type { QueryFunc, Rule } from './rule.js';

export interface RuleManagerOptions {
  /** The database rules query and write their results to. */
  db: Tsdb;
  files: readonly string[];
  clock: Clock;
  engine?: Engine;
  sink?: AlertSink;
  /** Default group interval. Default 1m (Prometheus's evaluation_interval). */
  evaluationIntervalMs?: number;
  /** Default group query offset. Default 0. */
  queryOffsetMs?: number;
  /** Firing alerts are re-sent this often. Default 1m (Prometheus's --rules.alert.resend-delay). */
  resendDelayMs?: number;
  /** Default 1h (--rules.alert.for-outage-tolerance). */
  outageToleranceMs?: number;
  /** Default 10m (--rules.alert.for-grace-period). */
  forGracePeriodMs?: number;
  externalLabels?: Record<string, string>;
  /** Base of alerts' generatorURL and `$externalURL`. */
  externalURL?: string;
  onError?(group: Group, rule: Rule, error: Error): void;
}

export class RuleManager {
  private groupsByKey = new Map<string, Group>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly query: QueryFunc;
  private readonly engine: Engine;
  private running = false;
  private restoredOnce = false;
  private watchers: FSWatcher[] = [];

  constructor(readonly options: RuleManagerOptions) {
    this.engine = options.engine ?? new Engine();
    this.query = (expr, t) => {
      const value = this.engine.instantQuery(options.db.querier(), expr, t);
      if (value.type === 'vector') return value.samples.map((s) => ({ labels: s.labels, t, v: s.v }));
      if (value.type === 'scalar') return [{ labels: [], t, v: value.v }];
      throw new Error('rule result is not a vector or scalar');
    };
  }

  groups(): Group[] {
    return [...this.groupsByKey.values()];
  }

  rules(): Rule[] {
    return this.groups().flatMap((g) => g.rules);
  }

  /**
   * (Re)loads the rule files. Throws RuleFileError and keeps the current rules when any file is
   * invalid. Unchanged groups keep running untouched; changed ones take over their predecessor's
   * state; removed ones mark their series stale.
   */
  reload(): void {
    const configs = loadRuleFiles(this.options.files);
    const next = new Map<string, Group>();
    for (const config of configs) {
      const key = `${config.file};${config.name}`;
      const old = this.groupsByKey.get(key);
      if (old && old.config.fingerprint === config.fingerprint) {
        next.set(key, old);
        continue;
      }
      const group = this.build(config, !this.restoredOnce);
      if (old) group.copyState(old);
      next.set(key, group);
    }
    const now = this.options.clock.now();
    for (const [key, old] of this.groupsByKey) {
      if (next.get(key) === old) continue;
      this.unschedule(key);
      if (!next.has(key)) old.markStale(now);
    }
    this.groupsByKey = next;
    this.restoredOnce = true;
    if (this.running) for (const [key, group] of next) if (!this.timers.has(key)) this.schedule(group);
  }

  private build(config: GroupConfig, shouldRestore: boolean): Group {
    const o = this.options;
    const context = { externalLabels: o.externalLabels ?? {}, externalURL: o.externalURL ?? '' };
    const rules = config.rules.map((r) =>
      r.type === 'alerting' ? new AlertingRule(r, context, !shouldRestore) : new RecordingRule(r),
    );
    const group: Group = new Group(config, rules, {
      db: o.db,
      query: this.query,
      sink: o.sink,
      intervalMs: config.intervalMs ?? o.evaluationIntervalMs ?? 60_000,
      queryOffsetMs: config.queryOffsetMs ?? o.queryOffsetMs ?? 0,
      resendDelayMs: o.resendDelayMs ?? 60_000,
      outageToleranceMs: o.outageToleranceMs ?? 3_600_000,
      forGracePeriodMs: o.forGracePeriodMs ?? 600_000,
      externalLabels: context.externalLabels,
      externalURL: context.externalURL,
      shouldRestore,
      onError: (rule, error) => o.onError?.(group, rule, error),
    });
    return group;
  }

  /** Evaluates every group once at `ts` (tests drive evaluation this way with a ManualClock). */
  evaluate(ts = this.options.clock.now()): void {
    for (const group of this.groupsByKey.values()) group.iterate(ts);
  }

  /** Evaluates each group on its interval, at timestamps aligned to the interval. */
  start(): void {
    if (this.running) return;
    this.running = true;
    for (const group of this.groupsByKey.values()) this.schedule(group);
  }

  /**
   * Reloads whenever a rule file changes (debounced); reload errors go to `onReloadError`. The
   * folders are watched, not the files: editors and config-map mounts replace a file by renaming
   * another over it, which a watch on the old file would never report.
   */
  watchFiles(onReloadError: (error: Error) => void): void {
    let pending: NodeJS.Timeout | undefined;
    const names = new Map<string, Set<string>>();
    for (const file of this.options.files) {
      const dir = dirname(resolve(file));
      names.set(dir, (names.get(dir) ?? new Set()).add(basename(file)));
    }
    for (const [dir, files] of names) {
      const watcher = watch(dir, (_event, name) => {
        // Kubernetes swaps a `..data` symlink to update every file of a mounted config map at once.
        if (name && !files.has(name) && !name.startsWith('..')) return;
        clearTimeout(pending);
        pending = setTimeout(() => {
          try {
            this.reload();
          } catch (error) {
            onReloadError(error as Error);
          }
        }, 100);
        pending.unref();
      });
      watcher.unref();
      this.watchers.push(watcher);
    }
  }

  stop(): void {
    this.running = false;
    for (const key of [...this.timers.keys()]) this.unschedule(key);
    for (const w of this.watchers) w.close();
    this.watchers = [];
  }

  private unschedule(key: string): void {
    clearTimeout(this.timers.get(key));
    this.timers.delete(key);
  }

  /**
   * Prometheus spreads groups over their interval by a hash of their key, so groups with the same
   * interval do not all evaluate at the same instant; timestamps stay on that grid, and ticks the
   * process was too busy to run are counted as missed iterations.
   */
  private schedule(group: Group): void {
    const interval = group.intervalMs;
    const offset = hash(group.key) % interval;
    const slot = (now: number) => Math.floor((now - offset) / interval) * interval + offset;
    let last = slot(this.options.clock.now());
    const tick = () => {
      const now = this.options.clock.now();
      const ts = slot(now);
      // A timer that fires before its slot (clock granularity) waits for it: one timestamp, one evaluation.
      if (ts <= last) return arm();
      group.counters.missed += Math.round((ts - last) / interval) - 1;
      last = ts;
      try {
        group.iterate(ts);
      } finally {
        if (this.running && this.groupsByKey.get(group.key) === group) arm();
      }
    };
    const arm = () => {
      const delay = Math.max(0, last + interval - this.options.clock.now());
      const timer = setTimeout(tick, delay + 1);
      timer.unref();
      this.timers.set(group.key, timer);
    };
    arm();
  }

  /** Prometheus's rule-group metric families, one sample per group (label `rule_group`). */
  metricFamilies(): RuleMetricFamily[] {
    const groups = this.groups();
    return GROUP_METRICS.map(([name, type, help, value]) => ({
      name,
      type,
      help,
      samples: groups.map((g) => ({ group: g.key, value: value(g) })),
    }));
  }

  /** The same in the text exposition format. */
  exposition(): string {
    let out = '';
    for (const f of this.metricFamilies()) {
      out += `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
      for (const s of f.samples) out += `${f.name}{rule_group=${JSON.stringify(s.group)}} ${s.value}\n`;
    }
    return out;
  }
}

export interface RuleMetricFamily {
  name: string;
  type: 'gauge' | 'counter';
  help: string;
  samples: { group: string; value: number }[];
}

const GROUP_METRICS: [string, 'gauge' | 'counter', string, (g: Group) => number][] = [
  [
    'prometheus_rule_group_interval_seconds',
    'gauge',
    'The interval of a rule group.',
    (g) => g.intervalMs / 1000,
  ],
  [
    'prometheus_rule_group_last_duration_seconds',
    'gauge',
    'The duration of the last rule group evaluation.',
    (g) => g.evaluationTimeMs / 1000,
  ],
  [
    'prometheus_rule_group_last_evaluation_timestamp_seconds',
    'gauge',
    'The timestamp of the last rule group evaluation in seconds.',
    (g) => (g.lastEvaluation ?? 0) / 1000,
  ],
  [
    'prometheus_rule_group_last_evaluation_samples',
    'gauge',
    'The number of samples returned during the last rule group evaluation.',
    (g) => g.lastSamples,
  ],
  ['prometheus_rule_group_rules', 'gauge', 'The number of rules.', (g) => g.rules.length],
  [
    'prometheus_rule_group_iterations_total',
    'counter',
    'The total number of scheduled rule group evaluations, whether executed or missed.',
    (g) => g.counters.iterations + g.counters.missed,
  ],
  [
    'prometheus_rule_group_iterations_missed_total',
    'counter',
    'The total number of rule group evaluations missed due to slow rule group evaluation.',
    (g) => g.counters.missed,
  ],
  [
    'prometheus_rule_evaluations_total',
    'counter',
    'The total number of rule evaluations.',
    (g) => g.counters.evaluations,
  ],
  [
    'prometheus_rule_evaluation_failures_total',
    'counter',
    'The total number of rule evaluation failures.',
    (g) => g.counters.failures,
  ],
];

function hash(text: string): number {
  // FNV-1a: stable across processes, so a group keeps its slot after a restart.
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}
