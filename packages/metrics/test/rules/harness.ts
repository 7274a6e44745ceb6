/**
 * Test harness for rules: rule YAML in a temporary file, an in-memory database with recorded
 * series, a ManualClock, and a sink that records every alert the evaluator sends.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ManualClock } from '@parley/kit';
import type { PostableAlert } from '../../src/alerting/alert.js';
import { labelsFromRecord } from '../../src/labels.js';
import type { AlertingRule } from '../../src/rules/alerting.js';
import { RuleManager, type RuleManagerOptions } from '../../src/rules/manager.js';
import { Tsdb } from '../../src/tsdb.js';

/** 2023-11-14T22:13:20Z: a round epoch so alert times read well. */
export const T0 = 1_700_000_000_000;
export const MINUTE = 60_000;
export const at = (minutes: number) => T0 + minutes * MINUTE;
export const iso = (minutes: number) => new Date(at(minutes)).toISOString();

export function ruleFile(yaml: string, dir = mkdtempSync(join(tmpdir(), 'parley-rules-'))): string {
  const file = join(dir, 'rules.yml');
  writeFileSync(file, yaml);
  return file;
}

/** Writes `values[i]` at minute `i` (null: no sample) for one series. */
export function record(
  db: Tsdb,
  series: Record<string, string>,
  values: (number | null)[],
  startMinute = 0,
): void {
  const app = db.appender();
  const ref = app.ref(labelsFromRecord(series));
  values.forEach((v, i) => {
    if (v !== null) app.append(ref, at(startMinute + i), v);
  });
  app.commit();
}

export class RecordingSink {
  readonly batches: { at: number; alerts: PostableAlert[] }[] = [];
  constructor(private readonly clock: ManualClock) {}
  send(alerts: readonly PostableAlert[]): void {
    this.batches.push({ at: this.clock.now(), alerts: [...alerts] });
  }
  take(): PostableAlert[] {
    const out = this.batches.flatMap((b) => b.alerts);
    this.batches.length = 0;
    return out;
  }
}

export interface Harness {
  db: Tsdb;
  clock: ManualClock;
  sink: RecordingSink;
  manager: RuleManager;
  /** Sets the clock to minute `m` and evaluates every group once. */
  evalAt(m: number): void;
  alertingRule(name: string): AlertingRule;
}

export function harness(yaml: string, options: Partial<RuleManagerOptions> = {}, db = Tsdb.open()): Harness {
  const clock = new ManualClock(T0);
  const sink = new RecordingSink(clock);
  const manager = new RuleManager({
    db,
    files: [ruleFile(yaml)],
    clock,
    sink,
    evaluationIntervalMs: MINUTE,
    resendDelayMs: MINUTE,
    ...options,
  });
  manager.reload();
  return {
    db,
    clock,
    sink,
    manager,
    evalAt(m) {
      clock.set(at(m));
      manager.evaluate(at(m));
    },
    alertingRule(name) {
      const rule = manager.rules().find((r) => r.name === name);
      if (rule?.type !== 'alerting') throw new Error(`no alerting rule ${name}`);
      return rule as AlertingRule;
    },
  };
}
