import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Harness, T0 } from './harness.js';
import { useWebhookReceiver, type WebhookReceiver } from './receiver.js';

const YAML = `
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  group_interval: 5m
  repeat_interval: 1h
receivers:
  - name: team
    webhook_configs: [{ url: $URL/team }]
`;

describe('Alertmanager persistence', () => {
  let receiver: WebhookReceiver;
  useWebhookReceiver((r) => {
    receiver = r;
  });
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-am-'));
  });
  afterEach(() => {
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('silences, the notification log and the history survive a restart', async () => {
    const h = new Harness(receiver, YAML, { dataDir });
    const id = h.am.setSilence({
      matchers: [{ name: 'alertname', value: 'Muted', isRegex: false }],
      startsAt: T0,
      endsAt: T0 + 2 * 3_600_000,
      createdBy: 'ops',
      comment: 'deploy',
    });
    h.fire({ alertname: 'Up' });
    h.fire({ alertname: 'Muted' });
    await h.at(0);
    await h.at(30_000);
    expect(h.timeline).toEqual(['30s /team firing Up:firing']);
    await h.am.close();
    expect(readdirSync(dataDir).sort()).toEqual(['history.jsonl', 'nflog.json', 'silences.json']);

    // A new process: Prometheus keeps re-sending the same alerts.
    h.am = h.create();
    await h.run(30 * 60_000, 30_000);
    // The group was already notified: nothing before repeat_interval, the silence still holds.
    expect(h.timeline).toEqual(['30s /team firing Up:firing']);
    expect(h.am.getSilence(id)).toMatchObject({ createdBy: 'ops', comment: 'deploy' });
    expect(h.am.alerts({ silenced: false }).map((v) => v.alert.labels.alertname)).toEqual(['Up']);
    await h.run(61 * 60_000, 30_000);
    expect(h.timeline).toEqual(['30s /team firing Up:firing', '1h1m /team firing Up:firing']);
    const sent = h.am.history({ kinds: ['notification'] });
    expect(sent).toHaveLength(2);
    expect(h.am.history({ kinds: ['silence'] })).toMatchObject([{ silenceID: id, action: 'created' }]);
  });

  it('keeps the history bounded on disk and in memory, and skips a line torn by a crash', async () => {
    const h = new Harness(receiver, YAML, { dataDir, history: { maxEvents: 5 } });
    for (let i = 0; i < 12; i++) h.fire({ alertname: 'Up', instance: String(i) });
    expect(h.am.history()).toHaveLength(5);
    await h.am.close();
    const lines = readFileSync(join(dataDir, 'history.jsonl'), 'utf8').trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(10);
    writeFileSync(join(dataDir, 'history.jsonl'), `${lines.join('\n')}\n{"kind":"alert","at":`);
    h.am = h.create();
    const events = h.am.history();
    expect(events).toHaveLength(5);
    expect(events.map((e) => (e.kind === 'alert' ? e.labels.instance : ''))).toEqual([
      '7',
      '8',
      '9',
      '10',
      '11',
    ]);
  });

  it('refuses to start on a corrupt snapshot rather than silently dropping silences', () => {
    writeFileSync(join(dataDir, 'silences.json'), '{"version":1,"silences":[');
    expect(() => new Harness(receiver, YAML, { dataDir })).toThrow(/corrupt snapshot .*silences\.json/);
  });

  it('forgets expired silences and old log entries after the retention', async () => {
    const h = new Harness(receiver, YAML, { dataDir, retentionMs: 3_600_000 });
    const id = h.am.setSilence({
      matchers: [{ name: 'alertname', value: 'X', isRegex: false }],
      startsAt: T0,
      endsAt: T0 + 60_000,
      createdBy: 'ops',
      comment: 'short',
    });
    await h.at(0);
    h.clock.set(T0 + 60_000 + 3_600_000 + 15 * 60_000);
    await h.am.tick();
    expect(h.am.getSilence(id)).toBeUndefined();
    expect(JSON.parse(readFileSync(join(dataDir, 'silences.json'), 'utf8')).silences).toEqual([]);
  });
});
