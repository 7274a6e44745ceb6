import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDemo } from '@parley/iam';
import type { WebhookMessage } from '@parley/metrics';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { closeModules, openModules, type ServerModule } from '../src/modules/index.js';
import { DEFAULT_RULE_FILE } from '../src/modules/metrics-alerting.js';
import { accessTokenFor, createTestPlatform, type TestPlatform } from './helpers.js';

const PASSWORD = 'alerting-demo-password-1';

/**
 * End to end: Parley's own latency objective, shipped in objectives.rules.yml, on a real server.
 * Only the time scale of the rule file is shortened (5m windows and `for` to seconds); the
 * expressions, labels and annotations are the shipped ones. A test-only slow route breaks the
 * p95 objective; the built-in notifier must deliver Alertmanager's webhook payload to a local
 * receiver, then the resolved notification once requests are fast again.
 */
describe('alerting end to end: the latency objective', () => {
  let platform: TestPlatform;
  let modules: ServerModule[];
  let app: FastifyInstance;
  let receiver: Server;
  let base: string;
  const received: WebhookMessage[] = [];
  let slowMs = 700;
  let dir: string | undefined;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        received.push(JSON.parse(body) as WebhookMessage);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

    dir = await mkdtemp(join(tmpdir(), 'parley-alerting-'));
    const rules = join(dir, 'objectives.rules.yml');
    writeFileSync(
      rules,
      readFileSync(DEFAULT_RULE_FILE, 'utf8')
        .replaceAll('[5m]', '[2s]')
        .replaceAll('for: 5m', 'for: 1s')
        .replaceAll('interval: 30s', 'interval: 200ms'),
    );
    const notifier = join(dir, 'alertmanager.yml');
    writeFileSync(
      notifier,
      `route:
  receiver: hook
  group_by: [alertname]
  group_wait: 100ms
  group_interval: 300ms
  repeat_interval: 1h
receivers:
  - name: hook
    webhook_configs:
      - url: ${hook}
        send_resolved: true
`,
    );
    platform = await createTestPlatform({
      PARLEY_METRICS_SCRAPE_INTERVAL: '100ms',
      PARLEY_METRICS_PLATFORM_TENANT: 'globex',
      PARLEY_METRICS_RULE_FILES: rules,
      PARLEY_ALERTMANAGER_CONFIG: notifier,
      PARLEY_METRICS_ALERT_RESEND_DELAY: '200ms',
    });
    await seedDemo(platform.iam, PASSWORD);
    modules = await openModules(['metrics'], platform.context);
    const slow: FastifyPluginAsync = async (instance) => {
      instance.get('/test/slow', { config: { public: true } }, async () => {
        await new Promise((resolve) => setTimeout(resolve, slowMs));
        return { ok: true };
      });
    };
    app = await buildApp({
      logger: platform.context.logger,
      bodyLimit: 1_048_576,
      readiness: [],
      modules: [...modules.map((m) => m.plugin), slow],
      iam: platform.iam,
      metricsRegistry: platform.context.metricsRegistry,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    tokens.ops = await accessTokenFor(app, 'globex', 'admin@globex.test', PASSWORD);
    tokens.tenant = await accessTokenFor(app, 'acme', 'admin@acme.test', PASSWORD);
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    if (modules) await closeModules(modules);
    await platform?.close();
    await new Promise((resolve) => receiver?.close(resolve));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Keeps `concurrency` requests to the slow route in flight until `done()` or the deadline. */
  async function load(done: () => boolean, deadlineMs: number, concurrency = 8): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (!done() && Date.now() < deadline) await (await fetch(`${base}/test/slow`)).arrayBuffer();
      }),
    );
  }

  const latencyMessages = (status: 'firing' | 'resolved') =>
    received.filter((m) => m.groupLabels.alertname === 'ParleyApiLatencyHigh' && m.status === status);

  /** The fields of Prometheus API answers the test reads. */
  interface ApiBody {
    status: string;
    data: {
      alerts: { labels: Record<string, string>; state: string }[];
      result: { metric: Record<string, string> }[];
      groups: { name: string }[];
    };
  }
  const api = async (path: string, who: 'ops' | 'tenant') =>
    (await (
      await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${tokens[who]}` } })
    ).json()) as ApiBody;

  it('fires the latency alert under slow load and delivers the webhook', async () => {
    await load(() => latencyMessages('firing').length > 0, 60_000);
    const [message] = latencyMessages('firing');
    expect(message).toMatchObject({
      version: '4',
      receiver: 'hook',
      status: 'firing',
      groupLabels: { alertname: 'ParleyApiLatencyHigh' },
      commonLabels: { alertname: 'ParleyApiLatencyHigh', severity: 'page', objective: 'latency' },
      truncatedAlerts: 0,
    });
    expect(message!.alerts).toHaveLength(1);
    expect(message!.alerts[0]).toMatchObject({
      status: 'firing',
      labels: { alertname: 'ParleyApiLatencyHigh', severity: 'page', objective: 'latency' },
      annotations: {
        summary: expect.stringMatching(/^API p95 latency is \d+(\.\d+)?m?s, above the 500ms objective$/),
        runbook_url: 'docs/runbooks/alerts.md#parleyapilatencyhigh',
      },
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: expect.stringContaining('/graph?g0.expr=parley%3Ahttp_request_duration_seconds%3Ap95_5m'),
    });
  }, 90_000);

  it('shows the alert to the operators on /api/v1/alerts and ALERTS, and nothing to a tenant', async () => {
    const alerts = await api('/api/v1/alerts', 'ops');
    expect(alerts.data.alerts).toContainEqual(
      expect.objectContaining({
        labels: { alertname: 'ParleyApiLatencyHigh', severity: 'page', objective: 'latency' },
        state: 'firing',
      }),
    );
    const series = await api(
      `/api/v1/query?query=${encodeURIComponent('ALERTS{alertstate="firing"}')}`,
      'ops',
    );
    expect(series.data.result.map((r) => r.metric.alertname)).toContain('ParleyApiLatencyHigh');
    // The evaluator's own metrics are on /metrics, so the self-scrape stores them too.
    const evaluations = await api(
      `/api/v1/query?query=${encodeURIComponent('prometheus_rule_evaluations_total{job="parley"} > 0')}`,
      'ops',
    );
    expect(evaluations.data.result.map((r) => r.metric.rule_group)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/;parley-api$/),
        expect.stringMatching(/;parley-dependencies$/),
      ]),
    );
    const rules = await api('/api/v1/rules?type=alert', 'ops');
    expect(rules.data.groups.map((g) => g.name)).toEqual(['parley-api', 'parley-dependencies']);
    expect(await api('/api/v1/alerts', 'tenant')).toEqual({ status: 'success', data: { alerts: [] } });
    expect(await api('/api/v1/rules', 'tenant')).toEqual({ status: 'success', data: { groups: [] } });
    const notifier = await fetch(`${base}/api/v2/alerts`, {
      headers: { authorization: `Bearer ${tokens.tenant}` },
    });
    expect(notifier.status).toBe(404);
  });

  it('reloads on POST /-/reload for the operators, refusing a bad rule file with its problems', async () => {
    const reload = (who: 'ops' | 'tenant') =>
      fetch(`${base}/-/reload`, { method: 'POST', headers: { authorization: `Bearer ${tokens[who]}` } });
    expect((await reload('ops')).status).toBe(204);
    expect((await reload('tenant')).status).toBe(404);
    const file = join(dir!, 'objectives.rules.yml');
    const good = readFileSync(file, 'utf8');
    writeFileSync(file, good.replace('for: 1s', 'for: soon'));
    const refused = await reload('ops');
    expect(refused.status).toBe(422);
    expect(((await refused.json()) as { detail: string }).detail).toMatch(
      /objectives\.rules\.yml:\d+: group "parley-api", rule 2 \("ParleyApiLatencyHigh"\): invalid duration "soon" in field 'for'/,
    );
    writeFileSync(file, good);
    expect((await reload('ops')).status).toBe(204);
    const rules = await api('/api/v1/rules?type=alert', 'ops');
    expect(rules.data.groups.map((g) => g.name)).toEqual(['parley-api', 'parley-dependencies']);
  });

  it('delivers the resolved notification once requests are fast again', async () => {
    slowMs = 1;
    await load(() => latencyMessages('resolved').length > 0, 60_000, 2);
    const [message] = latencyMessages('resolved');
    expect(message!.alerts[0]).toMatchObject({
      status: 'resolved',
      labels: { alertname: 'ParleyApiLatencyHigh' },
    });
    expect(Date.parse(message!.alerts[0]!.endsAt)).toBeGreaterThan(Date.parse(message!.alerts[0]!.startsAt));
  }, 90_000);
});
