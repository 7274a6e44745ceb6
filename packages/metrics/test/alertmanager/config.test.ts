import { describe, expect, it } from 'vitest';
import { parseAlertmanagerConfig } from '../../src/alertmanager/config.js';
import { fingerprint } from '../../src/alertmanager/fingerprint.js';
import { parseMatchers } from '../../src/alertmanager/matchers.js';
import { Route } from '../../src/alertmanager/route.js';

const FULL = `
global:
  resolve_timeout: 1m
route:
  receiver: default
  group_by: [alertname, cluster]
  group_wait: 10s
  routes:
    - matchers:
        - severity="page"
        - team=~"db|api"
      receiver: pager
      group_interval: 1m
      repeat_interval: 30m
      routes:
        - match: { env: staging }
          receiver: default
    - match_re: { service: '^(a|b)$' }
      group_by: ['...']
      continue: true
inhibit_rules:
  - source_matchers: ['severity="page"']
    target_matchers: ['severity="ticket"']
    equal: [cluster]
receivers:
  - name: default
  - name: pager
    webhook_configs:
      - url: https://hooks.example/pager
        send_resolved: false
        max_alerts: 10
        timeout: 5s
        http_config:
          basic_auth: { username: u, password: p }
`;

describe('parseAlertmanagerConfig', () => {
  it('reads the whole tree with defaults and inheritance', () => {
    const config = parseAlertmanagerConfig(FULL, 'am.yml');
    expect(config.global.resolveTimeoutMs).toBe(60_000);
    expect(config.receivers[1]!.webhookConfigs[0]).toEqual({
      url: 'https://hooks.example/pager',
      sendResolved: false,
      maxAlerts: 10,
      timeoutMs: 5000,
      authorization: `Basic ${Buffer.from('u:p').toString('base64')}`,
    });
    expect(config.inhibitRules[0]!.equal).toEqual(['cluster']);
    const root = new Route(config.route);
    const [pager, service] = root.routes;
    expect(pager!.options).toEqual({
      receiver: 'pager',
      groupBy: new Set(['alertname', 'cluster']),
      groupWaitMs: 10_000,
      groupIntervalMs: 60_000,
      repeatIntervalMs: 30 * 60_000,
    });
    expect(pager!.routes[0]!.options.repeatIntervalMs).toBe(30 * 60_000);
    expect(pager!.key).toBe('{}/{severity="page",team=~"db|api"}');
    expect(service!.options.groupBy).toBe('all');
    expect(service!.options.groupIntervalMs).toBe(5 * 60_000);
    expect(root.match({ severity: 'page', team: 'db', env: 'staging' }).map((r) => r.id)).toEqual(['0.0.0']);
    expect(root.match({ severity: 'page', team: 'db', service: 'a' }).map((r) => r.id)).toEqual(['0.0']);
    expect(root.match({ service: 'a' }).map((r) => r.id)).toEqual(['0.1']);
    expect(root.match({ service: 'ab' }).map((r) => r.id)).toEqual(['0']);
  });

  it.each([
    [
      'an undefined receiver',
      FULL.replace('receiver: pager', 'receiver: pagr'),
      'am.yml:12: route.routes[0].receiver: undefined receiver "pagr" used in route',
    ],
    [
      'an unknown field',
      FULL.replace('group_wait: 10s', 'group_wiat: 10s'),
      'am.yml:7: route.group_wiat: unknown field',
    ],
    [
      'a bad duration',
      FULL.replace('group_interval: 1m', 'group_interval: 1 minute'),
      'am.yml:13: route.routes[0].group_interval: not a valid duration string: "1 minute"',
    ],
    [
      'a zero repeat interval',
      FULL.replace('repeat_interval: 30m', 'repeat_interval: 0s'),
      'am.yml:14: route.routes[0].repeat_interval: repeat_interval cannot be zero',
    ],
    [
      'a non-http URL',
      FULL.replace('https://hooks.example/pager', 'file:///etc/passwd'),
      'am.yml:29: receivers[1].webhook_configs[0].url: unsupported scheme "file" for URL (only http and https)',
    ],
    [
      'a bad matcher',
      FULL.replace('team=~"db|api"', 'team=~"db|(api"'),
      'am.yml:11: route.routes[0].matchers[1]: invalid regular expression',
    ],
    [
      'a root route with matchers',
      FULL.replace('  group_wait: 10s\n', '  group_wait: 10s\n  matchers: [a="b"]\n'),
      'am.yml:8: route.matchers: root route must not have any matchers',
    ],
    [
      'a duplicated receiver',
      FULL.replace('- name: pager', '- name: default'),
      'am.yml:27: receivers[1].name: notification config name "default" is not unique',
    ],
    [
      'mixed group_by ...',
      FULL.replace("group_by: ['...']", "group_by: ['...', job]"),
      "am.yml:19: route.routes[1].group_by: cannot have wildcard group_by ('...') and other labels at the same time",
    ],
    [
      'another integration',
      FULL.replace('  - name: default\n', '  - name: default\n    slack_configs: [{}]\n'),
      "am.yml:27: receivers[0].slack_configs: not supported by Parley's notifier",
    ],
    [
      'negative max_alerts',
      FULL.replace('max_alerts: 10', 'max_alerts: -1'),
      'am.yml:31: receivers[1].webhook_configs[0].max_alerts: must be a non-negative integer',
    ],
    ['no route', 'receivers: [{ name: a }]', 'am.yml:1: route: no route provided in config'],
    [
      'YAML syntax',
      'route:\n  receiver: [a\n',
      'am.yml:3: Flow sequence in block collection must be sufficiently indented',
    ],
    ['a duplicate key', 'route: {}\nroute: {}\n', 'am.yml:2: Map keys must be unique'],
    [
      'an empty inhibit side',
      FULL.replace('    target_matchers: [\'severity="ticket"\']\n', ''),
      'am.yml:22: inhibit_rules[0].target_matchers: at least one target matcher is required',
    ],
    ['an empty file', '', 'am.yml: the file is empty'],
  ])('rejects %s with file, line, path and reason', (_name, text, message) => {
    expect(() => parseAlertmanagerConfig(text, 'am.yml')).toThrow(message);
  });
});

describe('matchers and fingerprints', () => {
  it("parses Alertmanager's matcher syntax", () => {
    expect(parseMatchers('{a="1", b!=2, c=~"x|y", d!~"z\\"q",}').map(String)).toEqual([
      'a="1"',
      'b!="2"',
      'c=~"x|y"',
      'd!~"z\\"q"',
    ]);
    expect(() => parseMatchers('a')).toThrow(/bad matcher format/);
    expect(() => parseMatchers('a="1')).toThrow(/unterminated/);
    expect(() => parseMatchers('{a="1"')).toThrow(/missing closing/);
    expect(() => parseMatchers('a="1",,b="2"')).toThrow(/empty matcher/);
  });

  it('computes Prometheus fingerprints (FNV-1a 64 of the sorted label set)', () => {
    expect(fingerprint({})).toBe('cbf29ce484222325');
    // Same set, any key order; values are part of the identity.
    expect(fingerprint({ b: '2', a: '1' })).toBe(fingerprint({ a: '1', b: '2' }));
    expect(fingerprint({ a: '1', b: '2' })).not.toBe(fingerprint({ a: '1', b: '3' }));
    expect(fingerprint({ a: 'é' })).toMatch(/^[0-9a-f]{16}$/);
  });
});
