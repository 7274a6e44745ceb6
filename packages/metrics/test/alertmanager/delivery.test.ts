import { describe, expect, it } from 'vitest';
import type { NotificationEvent } from '../../src/alertmanager/history.js';
import { Harness } from './harness.js';
import { useWebhookReceiver, type WebhookReceiver } from './receiver.js';

let receiver: WebhookReceiver;
useWebhookReceiver((r) => {
  receiver = r;
});

const yaml = (groupInterval = '5m', extra = '') => `
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: ${groupInterval}
  routes:
    - matchers: [alertname="SlowReceiver"]
      receiver: slow
receivers:
  - name: team
    webhook_configs: [{ url: $URL/team${extra} }]
  - name: slow
    webhook_configs: [{ url: $URL/slow, timeout: 300ms }]
`;

const notifications = (h: Harness) => h.am.history({ kinds: ['notification'] }) as NotificationEvent[];

describe('Alertmanager webhook delivery', () => {
  it('retries 5xx with exponential backoff on the clock, then logs the notification once', async () => {
    const h = new Harness(receiver, yaml());
    receiver.statuses = [500, 503];
    h.fire({ alertname: 'A' });
    await h.at(0);
    await h.at(30_000);
    await h.at(30_499);
    expect(receiver.received).toHaveLength(1);
    await h.at(30_500); // 500 ms after the first attempt
    expect(receiver.received).toHaveLength(2);
    await h.at(31_249);
    await h.at(31_250); // then 750 ms
    expect(receiver.received).toHaveLength(3);
    expect(notifications(h).map((n) => [n.outcome, n.attempts])).toEqual([['sent', 3]]);
    // Logged: the unchanged group is not re-sent at the next flush.
    await h.run(11 * 60_000, 30_000);
    expect(receiver.received).toHaveLength(3);
  });

  it('does not retry a 4xx; the group keeps its alerts and the next flush tries again', async () => {
    const h = new Harness(receiver, yaml());
    receiver.statuses = [400];
    h.fire({ alertname: 'A' });
    await h.at(0);
    await h.at(30_000);
    await h.at(60_000);
    expect(receiver.received).toHaveLength(1);
    expect(notifications(h)).toMatchObject([
      { outcome: 'failed', attempts: 1, error: 'unexpected status code 400: boom' },
    ]);
    await h.run(5 * 60_000 + 30_000, 30_000);
    expect(h.timeline).toEqual(['30s /team firing A:firing', '5m30s /team firing A:firing']);
    expect(notifications(h).map((n) => n.outcome)).toEqual(['failed', 'sent']);
  });

  it('gives up when the next retry would pass the group interval', async () => {
    const h = new Harness(receiver, yaml('2s'));
    receiver.statuses = [500, 500, 500, 500, 500];
    h.fire({ alertname: 'A' });
    await h.at(0);
    for (const t of [30_000, 30_500, 31_250]) await h.at(t);
    // The 4th attempt would be at 32.375 s, after the 32 s deadline: failed after 3.
    expect(notifications(h)).toMatchObject([{ outcome: 'failed', attempts: 3 }]);
    await h.at(32_000); // the next flush starts over
    expect(receiver.received).toHaveLength(4);
  });

  it('a timed-out webhook is retried and never holds up other groups', async () => {
    const h = new Harness(receiver, yaml());
    receiver.delays.set('/slow', 1000);
    h.fire({ alertname: 'SlowReceiver' });
    h.fire({ alertname: 'Fast' });
    await h.at(0);
    h.clock.set(h.clock.now() + 30_000);
    const started = Date.now();
    const tick = h.am.tick();
    await receiver.waitFor(1);
    expect(receiver.received[0]!.path).toBe('/team');
    expect(Date.now() - started).toBeLessThan(1000); // the slow receiver holds its answer 1 s
    await tick;
    const slow = notifications(h).find((n) => n.receiver === 'slow');
    expect(slow).toBeUndefined(); // timed out at 300 ms, waiting for its retry
    h.clock.set(h.clock.now() + 500);
    await h.am.tick();
    receiver.delays.clear();
    h.clock.set(h.clock.now() + 750);
    await h.am.tick();
    await receiver.waitFor(4); // the slow receiver got both timed-out requests late, then the retry
    const events = notifications(h).map((n) => `${n.receiver} ${n.outcome} ${n.attempts}`);
    expect(events).toEqual(['team sent 1', 'slow sent 3']);
    await h.am.close();
  });

  it('an unreachable receiver is a retryable error, reported with its cause', async () => {
    const h = new Harness(receiver, yaml('1s'));
    await receiver.stop();
    h.fire({ alertname: 'A' });
    await h.at(0);
    await h.at(30_000);
    await h.at(30_500);
    expect(notifications(h)).toMatchObject([{ outcome: 'failed', attempts: 2 }]);
    expect(notifications(h)[0]!.error).toMatch(/ECONNREFUSED|fetch failed/);
  });
});
