import { describe, expect, it, vi } from 'vitest';
import { Alertmanager } from '../../src/alertmanager/alertmanager.js';
import { parseAlertmanagerConfig } from '../../src/alertmanager/config.js';
import { Harness, iso, T0 } from './harness.js';
import { useWebhookReceiver, type WebhookReceiver } from './receiver.js';

let receiver: WebhookReceiver;
useWebhookReceiver((r) => {
  receiver = r;
});

const BASIC = `
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: team
    webhook_configs:
      - url: $URL/team
`;

/** Flips Flappy@f every minute for `minutes` minutes: firing on odd minutes, resolved on even ones. */
async function flap(h: Harness, minutes: number): Promise<void> {
  const labels = { alertname: 'Flappy', instance: 'f' };
  await h.run(minutes * 60_000, 30_000, (t) => {
    if (t % 60_000 !== 0) return;
    if ((t / 60_000) % 2 === 1) h.fire(labels);
    else h.resolve(labels);
  });
}

describe('Alertmanager notification timing', () => {
  it('waits group_wait, batches by group_interval, repeats an unchanged group only after repeat_interval', async () => {
    const h = new Harness(receiver, BASIC);
    h.fire({ alertname: 'HighLatency', instance: 'a' });
    await h.at(0);
    await h.at(29_999);
    expect(h.timeline).toEqual([]);
    await h.at(30_000);
    expect(h.timeline).toEqual(['30s /team firing HighLatency@a:firing']);
    // A second alert of the group waits for the group interval, not group_wait.
    await h.run(60_000, 30_000, (t) => t === 60_000 && h.fire({ alertname: 'HighLatency', instance: 'b' }));
    await h.run(5 * 60_000 + 29_000, 1000);
    expect(h.timeline).toHaveLength(1);
    await h.at(5 * 60_000 + 30_000);
    await h.run(4 * 3_600_000 + 10 * 60_000, 30_000);
    expect(h.timeline).toEqual([
      '30s /team firing HighLatency@a:firing',
      '5m30s /team firing HighLatency@a:firing,HighLatency@b:firing',
      // 5m30s + 4h: the first flush at or after repeat_interval.
      '4h5m30s /team firing HighLatency@a:firing,HighLatency@b:firing',
    ]);
  });

  it('sends the resolved notification at the next flush, then a re-firing alert starts a new group', async () => {
    const h = new Harness(receiver, BASIC);
    h.fire({ alertname: 'Down', instance: 'x' });
    await h.at(0);
    await h.run(2 * 60_000, 30_000);
    h.resolve({ alertname: 'Down', instance: 'x' });
    await h.run(6 * 60_000, 30_000);
    h.fire({ alertname: 'Down', instance: 'x' });
    await h.run(7 * 60_000, 30_000);
    expect(h.timeline).toEqual([
      '30s /team firing Down@x:firing',
      '5m30s /team resolved Down@x:resolved',
      '6m30s /team firing Down@x:firing',
    ]);
    const resolved = receiver.received[1]!.body;
    expect(resolved.alerts[0]!.endsAt).toBe('2026-01-01T00:02:00Z');
  });

  it('a flapping alert never reaches the receiver more than once per group_wait/group_interval window', async () => {
    const h = new Harness(receiver, BASIC);
    await flap(h, 20);
    expect(h.timeline).toEqual([
      '1m30s /team firing Flappy@f:firing',
      '6m30s /team resolved Flappy@f:resolved',
      '7m30s /team firing Flappy@f:firing',
      '12m30s /team resolved Flappy@f:resolved',
      '13m30s /team firing Flappy@f:firing',
      '18m30s /team resolved Flappy@f:resolved',
      '19m30s /team firing Flappy@f:firing',
    ]);
    // Every state change is in the history even though the receiver saw a third of them.
    const changes = h.am.history({ kinds: ['alert'] });
    expect(changes.map((e) => (e.kind === 'alert' ? e.state : ''))).toEqual(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? 'firing' : 'resolved')),
    );
  });

  it('without send_resolved, resolutions are logged but not sent', async () => {
    const h = new Harness(
      receiver,
      BASIC.replace('url: $URL/team', 'url: $URL/team\n        send_resolved: false'),
    );
    await flap(h, 20);
    expect(h.timeline).toEqual([
      '1m30s /team firing Flappy@f:firing',
      '7m30s /team firing Flappy@f:firing',
      '13m30s /team firing Flappy@f:firing',
      '19m30s /team firing Flappy@f:firing',
    ]);
  });

  it('flushes at once an alert that started more than group_wait ago', async () => {
    const h = new Harness(receiver, BASIC);
    h.post([
      {
        labels: { alertname: 'Old' },
        annotations: {},
        startsAt: iso(T0 - 600_000),
        endsAt: iso(T0 + 240_000),
      },
    ]);
    await h.at(0);
    expect(h.timeline).toEqual(['0s /team firing Old:firing']);
  });

  it('refuses new alerts beyond maxAlerts but keeps updating the held ones', async () => {
    const h = new Harness(receiver, BASIC, { maxAlerts: 2 });
    h.fire({ alertname: 'A', instance: '1' });
    h.fire({ alertname: 'A', instance: '2' });
    expect(() => h.fire({ alertname: 'A', instance: '3' })).toThrow(
      'alerts[0]: too many alerts held (limit 2)',
    );
    h.fire({ alertname: 'A', instance: '1' });
    expect(h.am.alerts()).toHaveLength(2);
  });

  it('alerts without endsAt resolve after resolve_timeout', async () => {
    const h = new Harness(receiver, `global:\n  resolve_timeout: 2m\n${BASIC}`);
    h.post([{ labels: { alertname: 'NoEnd' }, annotations: {} }]);
    await h.run(6 * 60_000, 30_000);
    expect(h.timeline).toEqual(['30s /team firing NoEnd:firing', '5m30s /team resolved NoEnd:resolved']);
    expect(receiver.received[1]!.body.alerts[0]!.endsAt).toBe('2026-01-01T00:02:00Z');
  });

  it('routes: first matching child wins, continue goes on, group_by ... and no group_by', async () => {
    const yaml = `
route:
  receiver: default
  group_wait: 10s
  routes:
    - matchers: ['severity="page"']
      receiver: pager
      continue: true
      group_by: ['...']
    - matchers: ['severity=~"page|ticket"']
      receiver: tickets
      group_by: [service]
    - matchers: ['service="never"']
      receiver: pager
receivers:
  - name: default
    webhook_configs: [{ url: $URL/default }]
  - name: pager
    webhook_configs: [{ url: $URL/pager }]
  - name: tickets
    webhook_configs: [{ url: $URL/tickets }]
`;
    const h = new Harness(receiver, yaml);
    h.fire({ alertname: 'A', instance: '1', severity: 'page', service: 'api' });
    h.fire({ alertname: 'A', instance: '2', severity: 'page', service: 'api' });
    h.fire({ alertname: 'B', instance: '1', severity: 'ticket', service: 'api' });
    h.fire({ alertname: 'C', instance: '1', severity: 'info', service: 'never' });
    h.fire({ alertname: 'D', instance: '1' });
    await h.at(0);
    await h.at(10_000);
    expect([...h.timeline].sort()).toEqual([
      '10s /default firing D@1:firing',
      '10s /pager firing A@1:firing',
      '10s /pager firing A@2:firing',
      '10s /pager firing C@1:firing',
      // Alertmanager's order: by instance, then the whole label set.
      '10s /tickets firing A@1:firing,B@1:firing,A@2:firing',
    ]);
    const keys = receiver.received.map((r) => r.body.groupKey).sort();
    expect(keys).toEqual([
      '{}/{service="never"}:{}',
      '{}/{severity="page"}:{alertname="A", instance="1", service="api", severity="page"}',
      '{}/{severity="page"}:{alertname="A", instance="2", service="api", severity="page"}',
      '{}/{severity=~"page|ticket"}:{service="api"}',
      '{}:{}',
    ]);
    const groups = h.am.groups();
    expect(groups.map((g) => `${g.receiver} ${g.alerts.length}`).sort()).toEqual([
      'default 1',
      'pager 1',
      'pager 1',
      'pager 1',
      'tickets 3',
    ]);
  });
});

describe('Alertmanager on real timers and reloads', () => {
  it('start() flushes on its own at group_wait and retries on timers; close() stops it', async () => {
    const am = new Alertmanager({
      config: parseAlertmanagerConfig(
        BASIC.replace('group_wait: 30s', 'group_wait: 200ms').replace('$URL', receiver.url),
        'am.yml',
      ),
      retry: { initialMs: 50 },
    });
    receiver.statuses = [503];
    am.start();
    const started = Date.now();
    am.send([{ labels: { alertname: 'Live' }, annotations: {}, startsAt: new Date().toISOString() }]);
    await receiver.waitFor(2, 3000);
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(200);
    expect(elapsed).toBeLessThan(2000);
    // The receiver counts the request before the notifier has read the answer.
    await vi.waitFor(() =>
      expect(am.history({ kinds: ['notification'] })).toMatchObject([{ outcome: 'sent', attempts: 2 }]),
    );
    await am.close();
  });

  it('applyConfig re-routes current alerts; the notification log keeps them from being re-sent', async () => {
    const h = new Harness(receiver, BASIC);
    h.fire({ alertname: 'A', team: 'db' });
    await h.at(0);
    await h.at(30_000);
    h.am.applyConfig(
      parseAlertmanagerConfig(
        `${BASIC.replace('receivers:', '  routes:\n    - matchers: [team="db"]\n      receiver: db\nreceivers:')}  - name: db\n    webhook_configs: [{ url: ${receiver.url}/db }]\n`.replaceAll(
          '$URL',
          receiver.url,
        ),
        'am.yml',
      ),
    );
    h.fire({ alertname: 'A', team: 'web' });
    await h.run(2 * 60_000, 30_000);
    // The db alert now belongs to a new route and receiver: new group key, so it is notified there.
    expect(h.timeline).toEqual([
      '30s /team firing A:firing',
      '1m /db firing A:firing',
      '1m /team firing A:firing',
    ]);
  });
});

describe('Alertmanager payload', () => {
  it("is Alertmanager's webhook message, field for field, with max_alerts truncation and credentials", async () => {
    const yaml = `
route:
  receiver: ops
  group_by: [alertname, job]
  group_wait: 1s
receivers:
  - name: ops
    webhook_configs:
      - url: $URL/hook
        max_alerts: 2
        http_config:
          authorization: { credentials: s3cret }
`;
    const h = new Harness(receiver, yaml, { externalURL: 'https://parley.example' });
    for (const instance of ['c', 'a', 'b'])
      h.post([
        {
          labels: { alertname: 'Slow', job: 'api', instance, severity: 'page' },
          annotations: { summary: 'p95 high', value: instance },
          startsAt: '2025-12-31T23:59:59.5Z',
          endsAt: iso(T0 + 240_000),
          generatorURL: 'http://prom/graph?g0.expr=x',
        },
      ]);
    await h.at(1000);
    expect(receiver.received).toHaveLength(1);
    const { headers, body } = receiver.received[0]!;
    expect(headers['content-type']).toBe('application/json');
    expect(headers.authorization).toBe('Bearer s3cret');
    expect(headers['user-agent']).toMatch(/^Parley-Alertmanager\//);
    const alert = (instance: string, fingerprint: string) => ({
      status: 'firing',
      labels: { alertname: 'Slow', job: 'api', instance, severity: 'page' },
      annotations: { summary: 'p95 high', value: instance },
      startsAt: '2025-12-31T23:59:59.5Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prom/graph?g0.expr=x',
      fingerprint,
    });
    expect(Object.keys(body)).toEqual([
      'receiver',
      'status',
      'alerts',
      'groupLabels',
      'commonLabels',
      'commonAnnotations',
      'externalURL',
      'version',
      'groupKey',
      'truncatedAlerts',
    ]);
    expect(body).toEqual({
      receiver: 'ops',
      status: 'firing',
      alerts: [alert('a', body.alerts[0]!.fingerprint), alert('b', body.alerts[1]!.fingerprint)],
      groupLabels: { alertname: 'Slow', job: 'api' },
      commonLabels: { alertname: 'Slow', job: 'api', severity: 'page' },
      commonAnnotations: { summary: 'p95 high' },
      externalURL: 'https://parley.example',
      version: '4',
      groupKey: '{}:{alertname="Slow", job="api"}',
      truncatedAlerts: 1,
    });
    expect(body.alerts.map((a) => a.fingerprint)).toEqual(body.alerts.map((a) => fnvReference(a.labels)));
  });
});

/** Prometheus's LabelSet.Fingerprint with BigInt, the reference for the 32-bit implementation. */
function fnvReference(labels: Record<string, string>): string {
  let h = 0xcbf29ce484222325n;
  const add = (bytes: Uint8Array) => {
    for (const b of bytes) h = ((h ^ BigInt(b)) * 0x100000001b3n) & 0xffffffffffffffffn;
  };
  for (const name of Object.keys(labels).sort()) {
    add(new TextEncoder().encode(name));
    add(Uint8Array.of(0xff));
    add(new TextEncoder().encode(labels[name]!));
    add(Uint8Array.of(0xff));
  }
  return h.toString(16).padStart(16, '0');
}
