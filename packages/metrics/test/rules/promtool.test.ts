import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isStaleNaN, StaleNaN } from '../../src/chunkenc/xor.js';
import { labelsToRecord } from '../../src/labels.js';
import { harness, record } from './harness.js';

/**
 * Differential test against Prometheus itself: our evaluator runs a scenario, then `promtool test
 * rules` (Prometheus's rule unit tests) must find exactly the firing alerts we found (labels and
 * expanded annotations) at every minute. Skipped where promtool is not installed.
 */
const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' });
const hasPromtool = promtool.status === 0;

const RULES = `groups:
  - name: objectives
    rules:
      - alert: HighLatency
        expr: latency_seconds > 0.5
        for: 3m
        labels:
          severity: page
          team: '{{ $labels.job }}-oncall'
        annotations:
          summary: '{{ $labels.job }} is slow: {{ $value | humanizeDuration }} ({{ $value }})'
          ratio: '{{ humanizePercentage $value }} {{ $value | humanize }}'
      - alert: Errors
        expr: errors_total > 0
        keep_firing_for: 3m
        annotations:
          summary: '{{ printf "%.1f" $value }} errors on {{ $labels.instance }}'
          detail: '{{ with query "sum(errors_total)" }}{{ . | first | value }}{{ end }} in all; {{ range query "up" }}{{ .Labels.instance }} up={{ .Value }}{{ else }}no up{{ end }}'
      - alert: Flappy
        expr: up == 0
        for: 1m
        keep_firing_for: 2m
`;

const MINUTES = 24;
const SERIES: { labels: Record<string, string>; values: (number | null)[] }[] = [
  // quiet, 5 minutes slow, quiet, a blip shorter than `for`, slow again, then gone (a staleness
  // marker: without it the series would linger for the lookback, whose edge Prometheus 3 made
  // left-open while promtool 2.42 still includes it).
  {
    labels: { __name__: 'latency_seconds', job: 'api' },
    values: [
      0.1,
      0.9,
      0.9,
      0.9,
      0.9,
      0.9,
      0.1,
      0.1,
      0.7,
      0.7,
      0.1,
      0.6,
      0.6,
      0.6,
      0.6,
      0.6,
      0.6,
      StaleNaN,
      ...Array(7).fill(null),
    ],
  },
  {
    labels: { __name__: 'latency_seconds', job: 'web' },
    values: Array.from({ length: MINUTES + 1 }, (_, i) => 0.55 + i / 1000),
  },
  {
    labels: { __name__: 'errors_total', instance: 'a' },
    values: [0, 2, 0, 0, 3, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0],
  },
  {
    labels: { __name__: 'up', instance: 'b' },
    values: Array.from({ length: MINUTES + 1 }, (_, i) => (i % 3 === 0 ? 1 : 0)),
  },
];

const yamlString = (s: string) => JSON.stringify(s);
const yamlMap = (m: Record<string, string>) =>
  `{ ${Object.entries(m)
    .map(([k, v]) => `${k}: ${yamlString(v)}`)
    .join(', ')} }`;
const seriesText = (labels: Record<string, string>) => {
  const { __name__, ...rest } = labels;
  return `${__name__}{${Object.entries(rest)
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',')}}`;
};

describe.skipIf(!hasPromtool)('rules against promtool (Prometheus 2.42)', () => {
  it('fires exactly the alerts Prometheus fires, minute by minute, with the same labels and annotations', () => {
    const h = harness(RULES);
    for (const s of SERIES) record(h.db, s.labels, s.values);
    const tests: string[] = [];
    let firingSeen = 0;
    for (let m = 0; m <= MINUTES; m++) {
      h.evalAt(m);
      for (const name of ['HighLatency', 'Errors', 'Flappy']) {
        const firing = h
          .alertingRule(name)
          .activeAlerts()
          .filter((a) => a.state === 'firing');
        firingSeen += firing.length;
        const expected = firing.map(
          (a) => `          - exp_labels: ${yamlMap(labelsToRecord(a.labels))}
            exp_annotations: ${yamlMap(a.annotations)}`,
        );
        tests.push(`      - eval_time: ${m}m
        alertname: ${name}
        exp_alerts:${expected.length ? `\n${expected.join('\n')}` : ' []'}`);
      }
    }
    expect(firingSeen).toBeGreaterThan(20); // the scenario exercises firing, not only silence
    const dir = dirname(h.manager.options.files[0]!);
    const testFile = join(dir, 'promtool-test.yml');
    writeFileSync(
      testFile,
      `rule_files: [${yamlString(h.manager.options.files[0]!)}]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
${SERIES.map(
  (s) => `      - series: ${yamlString(seriesText(s.labels))}
        values: ${yamlString(s.values.map((v) => (v === null ? '_' : isStaleNaN(v) ? 'stale' : String(v))).join(' '))}`,
).join('\n')}
    alert_rule_test:
${tests.join('\n')}
`,
    );
    const run = spawnSync('promtool', ['test', 'rules', testFile], { encoding: 'utf8', timeout: 60_000 });
    expect(run.stdout + run.stderr).toContain('SUCCESS');
    expect(run.status).toBe(0);
  });

  it('promtool accepts the rule files our loader accepts', () => {
    const h = harness(RULES);
    const run = spawnSync('promtool', ['check', 'rules', h.manager.options.files[0]!], { encoding: 'utf8' });
    expect(run.stdout).toContain('SUCCESS: 3 rules found');
  });
});
