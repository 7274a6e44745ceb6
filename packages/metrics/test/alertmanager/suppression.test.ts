import { describe, expect, it } from 'vitest';
import { Harness, iso, T0 } from './harness.js';
import { useWebhookReceiver, type WebhookReceiver } from './receiver.js';

let receiver: WebhookReceiver;
useWebhookReceiver((r) => {
  receiver = r;
});

const INHIBIT = `
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
receivers:
  - name: team
    webhook_configs: [{ url: $URL/team }]
inhibit_rules:
  - source_matchers: [severity="critical"]
    target_matchers: [severity="warning"]
    equal: [cluster]
`;

describe('Alertmanager inhibition', () => {
  it('mutes targets with equal labels while the source fires, and releases them when it resolves', async () => {
    const h = new Harness(receiver, INHIBIT);
    const down = { alertname: 'ClusterDown', severity: 'critical', cluster: 'a' };
    h.fire(down);
    h.fire({ alertname: 'Slow', severity: 'warning', cluster: 'a', instance: 'a1' });
    h.fire({ alertname: 'Slow', severity: 'warning', cluster: 'b', instance: 'b1' });
    await h.at(0);
    await h.at(30_000);
    expect([...h.timeline].sort()).toEqual([
      '30s /team firing ClusterDown:firing',
      '30s /team firing Slow@b1:firing',
    ]);

    const slowA = h.am.alerts().find((v) => v.alert.labels.instance === 'a1')!;
    const downFp = h.am.alerts().find((v) => v.alert.labels.alertname === 'ClusterDown')!.alert.fingerprint;
    expect(slowA.status).toEqual({ state: 'suppressed', silencedBy: [], inhibitedBy: [downFp], mutedBy: [] });
    expect(
      h.am
        .alerts({ inhibited: false })
        .map((v) => v.alert.labels.instance ?? 'down')
        .sort(),
    ).toEqual(['b1', 'down']);

    await h.run(2 * 60_000, 30_000);
    h.resolve(down);
    await h.run(6 * 60_000, 30_000);
    expect([...h.timeline.slice(2)].sort()).toEqual([
      '5m30s /team firing Slow@a1:firing,Slow@b1:firing',
      '5m30s /team resolved ClusterDown:resolved',
    ]);
    const states = h.am
      .history({ kinds: ['alert'] })
      .filter((e) => e.kind === 'alert' && e.labels.instance === 'a1')
      .map((e) => (e.kind === 'alert' ? `${e.state}${e.inhibitedBy.length ? ' by down' : ''}` : ''));
    expect(states).toEqual(['suppressed by down', 'firing']);
  });

  it('releases the target when the source reaches its endsAt with nothing re-sent', async () => {
    const h = new Harness(receiver, INHIBIT);
    h.post([
      {
        labels: { alertname: 'Down', severity: 'critical' },
        annotations: {},
        startsAt: iso(T0),
        endsAt: iso(T0 + 120_000),
      },
      {
        labels: { alertname: 'Slow', severity: 'warning' },
        annotations: {},
        startsAt: iso(T0),
        endsAt: iso(T0 + 3_600_000),
      },
    ]);
    for (const t of [0, 30_000, 60_000, 119_999, 120_000, 150_000]) await h.at(t);
    const slow = h.am
      .history({ kinds: ['alert'] })
      .filter((e) => e.kind === 'alert' && e.labels.alertname === 'Slow');
    expect(slow.map((e) => (e.kind === 'alert' ? `${e.state} ${iso(e.at)}` : ''))).toEqual([
      `suppressed ${iso(T0)}`,
      `firing ${iso(T0 + 120_000)}`,
    ]);
  });

  it('an alert matching both sides does not inhibit another that matches both sides', async () => {
    const yaml = INHIBIT.replace(
      'target_matchers: [severity="warning"]',
      'target_matchers: [severity=~"warning|critical"]',
    );
    const h = new Harness(receiver, yaml);
    h.fire({ alertname: 'X', severity: 'critical', cluster: 'a', instance: '1' });
    h.fire({ alertname: 'X', severity: 'critical', cluster: 'a', instance: '2' });
    await h.at(0);
    await h.at(30_000);
    expect(h.timeline).toEqual(['30s /team firing X@1:firing,X@2:firing']);
  });
});

describe('Alertmanager silences', () => {
  const silence = (
    h: Harness,
    startsAt: number,
    endsAt: number,
    matchers = [{ name: 'alertname', value: 'Noisy', isRegex: false }],
  ) =>
    h.am.setSilence({
      matchers,
      startsAt: T0 + startsAt,
      endsAt: T0 + endsAt,
      createdBy: 'ops',
      comment: 'maintenance',
    });

  it('mutes matching alerts from startsAt to endsAt; the alert is notified at the first flush after', async () => {
    const h = new Harness(receiver, INHIBIT);
    const id = silence(h, 0, 10 * 60_000);
    h.fire({ alertname: 'Noisy', instance: 'n' });
    h.fire({ alertname: 'Quiet', instance: 'q' });
    await h.at(0);
    await h.run(11 * 60_000, 30_000);
    expect(h.timeline).toEqual(['30s /team firing Quiet@q:firing', '10m30s /team firing Noisy@n:firing']);
    const noisy = h.am
      .history({ kinds: ['alert'] })
      .filter((e) => e.kind === 'alert' && e.labels.alertname === 'Noisy');
    expect(noisy.map((e) => (e.kind === 'alert' ? [e.state, e.silencedBy, iso(e.at)] : []))).toEqual([
      ['suppressed', [id], iso(T0)],
      ['firing', [], iso(T0 + 10 * 60_000)],
    ]);
  });

  it('regex and negative matchers; a pending silence starts later; expiring ends it at once', async () => {
    const h = new Harness(receiver, INHIBIT);
    const id = silence(h, 60_000, 3_600_000, [
      { name: 'alertname', value: 'No.*', isRegex: true },
      { name: 'instance', value: 'keep', isRegex: false, isEqual: false } as never,
    ]);
    expect(h.am.getSilence(id)).toMatchObject({ startsAt: T0 + 60_000 });
    h.fire({ alertname: 'Noisy', instance: 'n' });
    h.fire({ alertname: 'Noisy', instance: 'keep' });
    await h.at(0);
    await h.at(30_000);
    // Pending at 30s: nothing is silenced yet.
    expect(h.timeline).toEqual(['30s /team firing Noisy@keep:firing,Noisy@n:firing']);
    await h.at(60_000);
    expect(h.am.alerts({ silenced: false }).map((v) => v.alert.labels.instance)).toEqual(['keep']);
    h.resolve({ alertname: 'Noisy', instance: 'n' });
    h.resolve({ alertname: 'Noisy', instance: 'keep' });
    // The silenced alert's resolution is muted too; only 'keep' is notified as resolved. Its
    // group still held a firing alert the receiver knows about, so the flush goes out.
    await h.run(5 * 60_000 + 30_000, 30_000);
    expect(h.timeline.at(-1)).toBe('5m30s /team resolved Noisy@keep:resolved');
    h.am.expireSilence(id);
    expect(h.am.getSilence(id)!.endsAt).toBe(T0 + 5 * 60_000 + 30_000);
    expect(() => h.am.expireSilence(id)).toThrow(/already expired/);
  });

  it("updates in place when allowed, otherwise replaces the silence with a new id (Alertmanager's rules)", async () => {
    const h = new Harness(receiver, INHIBIT);
    const base = {
      matchers: [{ name: 'alertname', value: 'Noisy', isRegex: false }],
      createdBy: 'ops',
      comment: 'x',
    };
    const id = h.am.setSilence({ ...base, startsAt: T0, endsAt: T0 + 3_600_000 });
    // Active: extending the end keeps the id.
    expect(h.am.setSilence({ ...base, id, startsAt: T0, endsAt: T0 + 7_200_000 })).toBe(id);
    // Changing matchers replaces it: the old one expires now.
    h.clock.set(T0 + 1000);
    const next = h.am.setSilence({
      ...base,
      id,
      matchers: [{ name: 'alertname', value: 'Other', isRegex: false }],
      startsAt: T0 + 1000,
      endsAt: T0 + 7_200_000,
    });
    expect(next).not.toBe(id);
    expect(h.am.getSilence(id)!.endsAt).toBe(T0 + 1000);
    expect(h.am.history({ kinds: ['silence'] }).map((e) => (e.kind === 'silence' ? e.action : ''))).toEqual([
      'created',
      'updated',
      'expired',
      'created',
    ]);
  });

  it('rejects silences that would match everything, end before they start, end in the past, or do not exist', () => {
    const h = new Harness(receiver, INHIBIT);
    const ok = {
      matchers: [{ name: 'a', value: 'b', isRegex: false }],
      startsAt: T0,
      endsAt: T0 + 1000,
      createdBy: 'o',
      comment: 'c',
    };
    expect(() => h.am.setSilence({ ...ok, matchers: [{ name: 'a', value: '.*', isRegex: true }] })).toThrow(
      /must not match the empty string/,
    );
    expect(() => h.am.setSilence({ ...ok, matchers: [] })).toThrow(/at least one matcher/);
    expect(() => h.am.setSilence({ ...ok, endsAt: T0 })).toThrow(/start time must be before end time/);
    expect(() => h.am.setSilence({ ...ok, startsAt: T0 - 5000, endsAt: T0 - 1000 })).toThrow(/in the past/);
    expect(() => h.am.setSilence({ ...ok, matchers: [{ name: 'a', value: '(', isRegex: true }] })).toThrow(
      /invalid regular expression/,
    );
    expect(() => h.am.setSilence({ ...ok, id: '0190c1e2-0000-7000-8000-000000000000' })).toThrow(/not found/);
  });
});
