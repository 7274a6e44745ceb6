import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Alertmanager } from '../../src/alertmanager/alertmanager.js';
import { parseAlertmanagerConfig } from '../../src/alertmanager/config.js';
import { WebhookReceiver } from '../alertmanager/receiver.js';
import { at, harness, MINUTE, record } from './harness.js';

/**
 * The rule evaluator feeding Parley's notifier, both on one ManualClock, delivering to a real
 * webhook receiver: what a flapping condition costs the people on call.
 */
describe('rules through the notifier', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await new WebhookReceiver().start();
  });
  afterAll(async () => {
    await receiver?.stop();
  });

  /** 30 minutes of `up` going 0/1 every minute, evaluated each minute, the notifier ticking every 10 s. */
  async function flapping(keepFiringFor: string, path: string): Promise<string[]> {
    const h = harness(`
groups:
  - name: g
    rules:
      - alert: InstanceDown
        expr: up == 0
        ${keepFiringFor}
`);
    const am = new Alertmanager({
      clock: h.clock,
      config: parseAlertmanagerConfig(
        `route:
  receiver: r
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 4h
receivers:
  - name: r
    webhook_configs:
      - url: ${receiver.url}${path}
        send_resolved: true
`,
        'am.yml',
      ),
    });
    // The harness's recording sink stands between the two: forward what the rules send.
    const forward = h.sink.send.bind(h.sink);
    h.sink.send = (alerts) => {
      forward(alerts);
      am.send(alerts);
    };
    record(
      h.db,
      { __name__: 'up', instance: 'a' },
      Array.from({ length: 31 }, (_, i) => i % 2),
    );
    for (let t = 0; t <= 30 * MINUTE; t += 10_000) {
      h.clock.set(at(0) + t);
      if (t % MINUTE === 0) h.manager.evaluate(at(0) + t);
      await am.tick();
    }
    await am.close();
    return receiver.received.filter((r) => r.path === path).map((r) => r.body.status);
  }

  it('sends one notification for a flapping alert held by keep_firing_for, and few without it', async () => {
    const held = await flapping('keep_firing_for: 5m', '/held');
    const plain = await flapping('', '/plain');
    // Held: firing once after group_wait, nothing more within the 4h repeat interval.
    expect(held).toEqual(['firing']);
    // Without it, 15 firing/resolved flips reach the notifier; grouping sends at most one
    // notification per 5m group interval, whatever the state at that moment.
    // Without it, the 30 flips of the condition reach the notifier; grouping turns them into one
    // firing/resolved pair per cycle of group_wait (30s) + group_interval (5m): 10 notifications,
    // not 30. (A group whose alerts all resolved is deleted; the next firing waits group_wait.)
    expect(plain).toEqual(Array(5).fill(['firing', 'resolved']).flat());
  });
});
