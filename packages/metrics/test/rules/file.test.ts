import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadRuleFiles, parseRuleFile, RuleFileError } from '../../src/rules/file.js';
import { ruleFile } from './harness.js';

const problems = (text: string) => {
  const result = parseRuleFile('rules.yml', text);
  if ('groups' in result) throw new Error('expected problems');
  return result.problems.map(formatProblem);
};

describe('rule files', () => {
  it('loads groups with Prometheus defaults and every field', () => {
    const result = parseRuleFile(
      'r.yml',
      `
groups:
  - name: slo
    interval: 30s
    query_offset: 1m
    limit: 10
    rules:
      - alert: Down
        expr: up == 0
        for: 5m
        keep_firing_for: 1m
        labels: { severity: 1 }
        annotations: { summary: '{{ $labels.instance }} down' }
      - record: job:up:sum
        expr: sum by (job) (up)
  - name: defaults
    rules: []
`,
    );
    if (!('groups' in result)) throw new Error(result.problems.map(formatProblem).join('\n'));
    const [slo, defaults] = result.groups;
    expect(slo).toMatchObject({ name: 'slo', intervalMs: 30_000, queryOffsetMs: 60_000, limit: 10 });
    expect(slo!.rules[0]).toMatchObject({
      type: 'alerting',
      name: 'Down',
      forMs: 300_000,
      keepFiringForMs: 60_000,
      labels: { severity: '1' }, // YAML scalars are strings, as Go reads them into string fields
      annotations: { summary: '{{ $labels.instance }} down' },
    });
    expect(slo!.rules[1]).toMatchObject({
      type: 'recording',
      name: 'job:up:sum',
      query: 'sum by (job) (up)',
    });
    expect(defaults).toMatchObject({ intervalMs: undefined, limit: 0, rules: [] });
  });

  it('reports every problem with file, line, group, rule and reason', () => {
    expect(
      problems(`groups:
  - name: a
    interval: 5 minutes
    rules:
      - alert: HighLatency
        expr: histogram_quantile(0.95, sum by (le) (rate(x[5m]))
        for: 5mins
      - record: bad name
        expr: up
        for: 1m
      - alert: Tpl
        expr: up
        annotations:
          summary: '{{ $labels.job '
          other: '{{ nosuch $value }}'
        labels:
          __name__: x
      - expr: up
      - alert: A
        record: b
        expr: up
  - name: a
    rules:
      - alert: X
        expr: up
        unknown: 1
`),
    ).toEqual([
      `rules.yml:3: group "a": invalid duration "5 minutes" in field 'interval'`,
      'rules.yml:6: group "a", rule 1 ("HighLatency"): could not parse expression: 1:51: parse error: unexpected end of input',
      `rules.yml:7: group "a", rule 1 ("HighLatency"): invalid duration "5mins" in field 'for'`,
      'rules.yml:8: group "a", rule 2 ("bad name"): invalid recording rule name: bad name',
      'rules.yml:10: group "a", rule 2 ("bad name"): invalid field \'for\' in recording rule',
      'rules.yml:17: group "a", rule 3 ("Tpl"): invalid label name: __name__',
      'rules.yml:14: group "a", rule 3 ("Tpl"): annotation "summary": template: __alert_Tpl:1: unclosed action',
      'rules.yml:14: group "a", rule 3 ("Tpl"): annotation "other": template: __alert_Tpl:1: function "nosuch" not defined',
      "rules.yml:18: group \"a\", rule 4: one of 'record' or 'alert' must be set",
      'rules.yml:19: group "a", rule 5 ("A"): only one of \'record\' or \'alert\' must be set',
      'rules.yml:22: group "a": group name "a" is repeated in the same file',
      'rules.yml:24: group "a", rule 1 ("X"): unknown field \'unknown\' in rule',
    ]);
  });

  it('rejects malformed YAML and a wrong top-level shape with a line', () => {
    expect(problems('groups:\n  - name: a\n    rules: [\n')[0]).toMatch(/^rules\.yml:\d+: /);
    expect(problems('groups:\n  - name: a\n')).toEqual([
      'rules.yml:2: group "a": missing field \'rules\' in group',
    ]);
    expect(problems('rules: []\n')).toEqual([
      "rules.yml:1: missing field 'groups' in file",
      "rules.yml:1: unknown field 'rules' in file",
    ]);
    expect(problems('groups:\n  - name: a\n    name: b\n    rules: []\n')[0]).toMatch(
      /^rules\.yml:3: .*unique/,
    );
  });

  it('loads several files and refuses all of them when one is bad or missing', () => {
    const good = ruleFile('groups: [{ name: ok, rules: [{ record: a, expr: "1" }] }]\n');
    expect(loadRuleFiles([good]).map((g) => g.name)).toEqual(['ok']);
    const missing = join(good, '..', 'nope.yml');
    try {
      loadRuleFiles([good, missing]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RuleFileError);
      expect((error as RuleFileError).problems).toEqual([
        { file: missing, reason: expect.stringMatching(/^cannot read rule file: ENOENT/) },
      ]);
    }
  });
});
