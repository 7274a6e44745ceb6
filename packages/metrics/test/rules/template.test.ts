import { describe, expect, it } from 'vitest';
import { formatE, formatG } from '../../src/rules/format.js';
import { parseTemplate, type TemplateData, TemplateError } from '../../src/rules/template.js';

const data: TemplateData = {
  labels: { __name__: 'http_errors', job: 'api', instance: 'host-1.example.com:8080' },
  externalLabels: { cluster: 'eu1' },
  externalURL: 'https://parley.example',
  value: 0.123456,
};
const expand = (text: string, value = data.value) => parseTemplate('t', text).expand({ ...data, value });

describe('rule templates', () => {
  // Expected outputs are what Prometheus 3 prints for the same template and data.
  it.each([
    ['{{ $labels.job }} on {{ $labels.instance }}', 'api on host-1.example.com:8080'],
    ['{{ .Labels.job }}/{{ .Value }}', 'api/0.123456'],
    ['{{ $labels.missing }}|', '|'],
    ['{{ $externalLabels.cluster }} {{ $externalURL }}', 'eu1 https://parley.example'],
    ['{{ $value | humanizePercentage }}', '12.35%'],
    ['{{ humanize 1234567 }} {{ humanize 0.00123 }} {{ humanize 0 }}', '1.235M 1.23m 0'],
    ['{{ humanize1024 1048576 }}', '1Mi'],
    [
      '{{ humanizeDuration 93784 }} {{ humanizeDuration 0.25 }} {{ humanizeDuration 42.5 }}',
      '1d 2h 3m 4s 250ms 42.5s',
    ],
    ['{{ humanizeTimestamp 1700000000 }}', '2023-11-14 22:13:20 +0000 UTC'],
    ['{{ printf "%.2f" $value }} {{ printf "%s=%d" "n" 3 }}', '0.12 n=3'],
    ['{{ $labels.job | toUpper }} {{ title "hello world" }}', 'API Hello World'],
    ['{{ if gt $value 0.1 }}high{{ else }}low{{ end }}', 'high'],
    ['{{ if eq $labels.job "web" }}web{{ else if eq $labels.job "api" }}api{{ end }}', 'api'],
    ['{{ $x := humanize $value }}[{{ $x }}]', '[123.5m]'],
    ['a  {{- " b " -}}  c {{/* note */}}', 'a b c '],
    [
      '{{ reReplaceAll "(.*):.*" "$1" $labels.instance }} {{ $labels.instance | stripPort }}',
      'host-1.example.com host-1.example.com',
    ],
    ['{{ (printf "%.1f" $value) | printf "<%s>" }}', '<0.1>'],
  ])('%s', (text, expected) => {
    expect(expand(text)).toBe(expected);
  });

  it('runs with, range and query like Prometheus', () => {
    const samples = [
      { Labels: { instance: 'b', job: 'api' }, Value: 0.25 },
      { Labels: { instance: 'a', job: 'api' }, Value: 1500 },
    ];
    const queried: string[] = [];
    const run = (text: string) =>
      parseTemplate('t', text).expand({
        ...data,
        query: (expr) => {
          queried.push(expr);
          return expr === 'none' ? [] : samples;
        },
      });
    expect(run('{{ with query "up" }}{{ . | first | value | humanize }}{{ end }}')).toBe('250m');
    expect(
      run('{{ range query "up" | sortByLabel "instance" }}{{ .Labels.instance }}={{ .Value }} {{ end }}'),
    ).toBe('a=1500 b=0.25 ');
    expect(
      run(
        '{{ with query "none" }}some{{ else }}none{{ end }}|{{ range query "none" }}x{{ else }}empty{{ end }}',
      ),
    ).toBe('none|empty');
    expect(run('{{ range $labels }}{{ . }},{{ end }}')).toBe('http_errors,host-1.example.com:8080,api,');
    expect(run('{{ with $labels.job }}job {{ . }}{{ end }}{{ with $labels.nope }}never{{ end }}')).toBe(
      'job api',
    );
    expect(run('{{ query "up" | first | label "instance" }}')).toBe('b');
    expect(queried).toEqual(['up', 'up', 'none', 'none', 'up']);
    expect(() => run('{{ query "none" | first }}')).toThrow(/first\(\) called on vector with no elements/);
    expect(() => parseTemplate('t', '{{ with $value }}x')).toThrow(/\{\{with\}\} without \{\{end\}\}/);
  });

  it('prints $value as Go prints a float64', () => {
    expect(
      [1e6, 123456, 1234567, 0.0001, 0.00001, 5, Number.NaN, -Infinity].map((v) => expand('{{ $value }}', v)),
    ).toEqual(['1e+06', '123456', '1.234567e+06', '0.0001', '1e-05', '5', 'NaN', '-Inf']);
  });

  it('formats API values as Go formats them', () => {
    expect([1, 0.5, 1234.5, 1e-7, 0].map(formatE)).toEqual([
      '1e+00',
      '5e-01',
      '1.2345e+03',
      '1e-07',
      '0e+00',
    ]);
    expect(formatG(12345.678, 4)).toBe('1.235e+04');
    expect(formatG(100, 4)).toBe('100');
  });

  it('rejects bad templates at parse time with the line', () => {
    const bad = (text: string) => () => parseTemplate('__alert_X', text);
    expect(bad('{{ nope }}')).toThrow('template: __alert_X:1: function "nope" not defined');
    expect(bad('line\n{{ $labels.x ')).toThrow('template: __alert_X:2: unclosed action');
    expect(bad('{{ if $value }}x')).toThrow(/without \{\{end\}\}/);
    expect(bad('{{ end }}')).toThrow(/unexpected \{\{end\}\}/);
    expect(bad('{{ define "x" }}{{ end }}')).toThrow(/not supported/);
    expect(bad('{{ humanize ( $value }}')).toThrow(TemplateError);
  });

  it('reports errors while expanding', () => {
    expect(() => expand('{{ humanize "abc" }}')).toThrow(/error calling humanize/);
    expect(() => expand('{{ $nope }}')).toThrow(/undefined variable "\$nope"/);
    expect(() => expand('{{ .Nope }}')).toThrow(/can't evaluate field Nope/);
  });
});
