/**
 * Notifier throughput on one core: alerts taken per second (batches as a rule evaluator sends
 * them, and one alert per call as API clients post them), a flush of many groups to a real
 * loopback webhook receiver, and the mute check (silences + inhibition) per alert.
 * Run: `npx tsx packages/metrics/test/alertmanager/bench.ts`.
 */
import { createLogger, ManualClock } from '@parley/kit';
import { Alertmanager } from '../../src/alertmanager/alertmanager.js';
import { parseAlertmanagerConfig } from '../../src/alertmanager/config.js';
import { WebhookReceiver } from './receiver.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const ALERTS = Number(process.env.ALERTS ?? 10_000);

const yaml = (url: string) => `
route:
  receiver: team
  group_by: [service]
  group_wait: 30s
receivers:
  - name: team
    webhook_configs: [{ url: ${url}/team }]
inhibit_rules:
${Array.from({ length: 10 }, (_, i) => `  - source_matchers: [severity="critical", rule="${i}"]\n    target_matchers: [severity="warning"]\n    equal: [service]`).join('\n')}
`;

const alert = (i: number, now: number) => ({
  labels: {
    alertname: `Alert${i % 50}`,
    service: `svc${Math.floor(i / 50) % 200}`,
    instance: `host${i}`,
    severity: i % 10 === 0 ? 'critical' : 'warning',
    rule: String(i % 10),
  },
  annotations: { summary: `alert ${i}` },
  startsAt: new Date(now).toISOString(),
  endsAt: new Date(now + 240_000).toISOString(),
});

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

async function main(): Promise<void> {
  const receiver = await new WebhookReceiver().start();
  const rows: [string, string][] = [];
  const runs = { batch: [] as number[], single: [] as number[], flush: [] as number[], mute: [] as number[] };
  for (let run = 0; run < 5; run++) {
    const clock = new ManualClock(T0);
    const am = new Alertmanager({
      config: parseAlertmanagerConfig(yaml(receiver.url), 'bench.yml'),
      clock,
      logger: createLogger({ level: process.env.LOG_LEVEL ?? 'silent' }),
    });
    for (let i = 0; i < 20; i++)
      am.send([
        {
          labels: { alertname: 'Muted', n: String(i) },
          annotations: {},
          startsAt: new Date(T0).toISOString(),
        },
      ]);
    for (let i = 0; i < 100; i++)
      am.setSilence({
        matchers: [{ name: 'instance', value: `host${i * 7}`, isRegex: false }],
        startsAt: T0,
        endsAt: T0 + 3_600_000,
        createdBy: 'b',
        comment: 'b',
      });

    let t = performance.now();
    for (let i = 0; i < ALERTS; i += 100) am.send(Array.from({ length: 100 }, (_, j) => alert(i + j, T0)));
    runs.batch.push(ALERTS / ((performance.now() - t) / 1000));

    // Re-sent one per call (the store is full: every call merges into a held alert).
    clock.set(T0 + 10_000);
    const single = 1000;
    t = performance.now();
    for (let i = 0; i < single; i++) am.send([alert(i, T0)]);
    runs.single.push(single / ((performance.now() - t) / 1000));

    t = performance.now();
    const views = am.alerts();
    runs.mute.push(((performance.now() - t) * 1e6) / views.length);

    clock.set(T0 + 30_000);
    const before = receiver.received.length;
    t = performance.now();
    await am.tick();
    const ms = performance.now() - t;
    const sent = am
      .history({ kinds: ['notification'] })
      .filter((e) => e.kind === 'notification' && e.outcome === 'sent');
    if (sent.length !== receiver.received.length - before) throw new Error('a notification failed');
    runs.flush.push(((receiver.received.length - before) / ms) * 1000);
    await am.close();
  }
  const groups = receiver.received.length / 5;
  rows.push(['alerts taken, batches of 100 (alerts/s)', median(runs.batch).toFixed(0)]);
  rows.push([`alerts taken one per call, ${ALERTS} held (alerts/s)`, median(runs.single).toFixed(0)]);
  rows.push(['status of one alert: silences + inhibition (ns)', median(runs.mute).toFixed(0)]);
  rows.push([
    `flush of ${groups} groups to a loopback webhook (notifications/s)`,
    median(runs.flush).toFixed(0),
  ]);
  console.log(`notifier, ${ALERTS} alerts, 100 silences, 10 inhibit rules (median of 5 runs)`);
  for (const [name, value] of rows) console.log(`${name.padEnd(64)} ${value.padStart(10)}`);
  await receiver.stop();
}

await main();
