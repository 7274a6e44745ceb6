import { ManualClock } from '@parley/kit';
import { installProblemHandlers, installStrictValidation } from '@parley/kit/http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Alertmanager } from '../../src/alertmanager/alertmanager.js';
import { alertmanagerApi } from '../../src/alertmanager/api.js';
import { parseAlertmanagerConfig } from '../../src/alertmanager/config.js';
import { iso, T0 } from './harness.js';
import { useWebhookReceiver, type WebhookReceiver } from './receiver.js';

const YAML = `
route:
  receiver: team
  group_by: [alertname]
  group_wait: 30s
  routes:
    - matchers: [severity="page"]
      receiver: pager
receivers:
  - name: team
    webhook_configs: [{ url: $URL/team }]
  - name: pager
    webhook_configs: [{ url: $URL/pager }]
inhibit_rules:
  - source_matchers: [severity="page"]
    target_matchers: [severity="ticket"]
`;

describe('Alertmanager API v2', () => {
  let receiver: WebhookReceiver;
  let app: FastifyInstance;
  let am: Alertmanager;
  let clock: ManualClock;
  const permissions = new Map<string, unknown>();

  useWebhookReceiver((r) => {
    receiver = r;
  });

  beforeEach(async () => {
    clock = new ManualClock(T0);
    am = new Alertmanager({
      config: parseAlertmanagerConfig(YAML.replaceAll('$URL', receiver.url), 'am.yml'),
      clock,
    });
    app = Fastify();
    installStrictValidation(app);
    installProblemHandlers(app);
    app.addHook('onRoute', (route) => {
      permissions.set(`${route.method} ${route.url}`, route.config?.permission);
    });
    await app.register(alertmanagerApi, {
      alertmanager: (request) => (request.headers['x-tenant'] === 'other' ? undefined : am),
    });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    await am.close();
  });

  const post = (url: string, payload: unknown) =>
    app.inject({ method: 'POST', url, payload: payload as object });
  const get = (url: string) => app.inject({ method: 'GET', url });
  const alert = (labels: Record<string, string>) => ({
    labels,
    annotations: { summary: 's' },
    startsAt: iso(T0),
    endsAt: iso(T0 + 240_000),
    generatorURL: 'http://prom/x',
  });
  const silenceBody = (extra: object = {}) => ({
    matchers: [{ name: 'alertname', value: 'Quiet', isRegex: false }],
    startsAt: iso(T0),
    endsAt: iso(T0 + 3_600_000),
    createdBy: 'alice',
    comment: 'maintenance',
    ...extra,
  });

  it('declares metrics:read for reads and metrics:write for changes', () => {
    expect(Object.fromEntries([...permissions].filter(([k]) => !k.startsWith('HEAD')))).toEqual({
      'POST /api/v2/alerts': 'metrics:write',
      'GET /api/v2/alerts': 'metrics:read',
      'GET /api/v2/alerts/groups': 'metrics:read',
      'GET /api/v2/status': 'metrics:read',
      'GET /api/v2/receivers': 'metrics:read',
      'GET /api/v2/silences': 'metrics:read',
      'POST /api/v2/silences': 'metrics:write',
      'GET /api/v2/silence/:silenceID': 'metrics:read',
      'DELETE /api/v2/silence/:silenceID': 'metrics:write',
      'GET /api/v2/history': 'metrics:read',
    });
  });

  it('takes alerts and lists them with status, receivers and filters', async () => {
    expect((await post('/api/v2/alerts', [alert({ alertname: 'Down', severity: 'page' })])).statusCode).toBe(
      200,
    );
    await post('/api/v2/alerts', [
      alert({ alertname: 'Slow', severity: 'ticket' }),
      alert({ alertname: 'Quiet' }),
    ]);
    const silence = await post('/api/v2/silences', silenceBody());
    const { silenceID } = silence.json() as { silenceID: string };

    const all = (await get('/api/v2/alerts')).json() as {
      labels: Record<string, string>;
      status: unknown;
      receivers: unknown;
    }[];
    expect(all).toHaveLength(3);
    const down = all.find((a) => a.labels.alertname === 'Down')!;
    expect(down).toMatchObject({
      annotations: { summary: 's' },
      startsAt: '2026-01-01T00:00:00Z',
      endsAt: '2026-01-01T00:04:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      generatorURL: 'http://prom/x',
      receivers: [{ name: 'pager' }],
      status: { state: 'active', silencedBy: [], inhibitedBy: [], mutedBy: [] },
    });
    expect(all.find((a) => a.labels.alertname === 'Quiet')!.status).toMatchObject({
      state: 'suppressed',
      silencedBy: [silenceID],
    });
    const names = async (query: string) =>
      ((await get(`/api/v2/alerts?${query}`)).json() as { labels: Record<string, string> }[])
        .map((a) => a.labels.alertname)
        .sort();
    expect(await names('silenced=false')).toEqual(['Down', 'Slow']);
    expect(await names('inhibited=false&silenced=false')).toEqual(['Down']);
    expect(await names('active=false')).toEqual(['Quiet', 'Slow']);
    expect(
      await names(
        `filter=${encodeURIComponent('severity=~"page|ticket"')}&filter=${encodeURIComponent('alertname!="Slow"')}`,
      ),
    ).toEqual(['Down']);
    expect(await names('receiver=pag.*')).toEqual(['Down']);

    const groups = (await get('/api/v2/alerts/groups')).json() as {
      labels: object;
      receiver: { name: string };
      alerts: unknown[];
    }[];
    expect(groups.map((g) => [g.labels, g.receiver.name, g.alerts.length])).toEqual([
      [{ alertname: 'Down' }, 'pager', 1],
      [{ alertname: 'Quiet' }, 'team', 1],
      [{ alertname: 'Slow' }, 'team', 1],
    ]);
    expect((await get('/api/v2/receivers')).json() as object[]).toEqual([
      { name: 'team' },
      { name: 'pager' },
    ]);
  });

  it('keeps the valid alerts of a batch and answers 400 naming the invalid ones', async () => {
    const res = await post('/api/v2/alerts', [
      alert({ alertname: 'Good' }),
      { labels: {} },
      { labels: { 'bad-name': 'x' } },
      { labels: { a: 'b' }, startsAt: iso(T0 + 1000), endsAt: iso(T0) },
      { labels: { a: 'c' }, startsAt: 'yesterday' },
    ]);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(res.json()).toMatchObject({
      type: 'urn:parley:problem:invalid-alerts',
      accepted: 1,
      errors: [
        'alerts[1]: at least one label pair required',
        'alerts[2]: invalid label name "bad-name"',
        'alerts[3]: start time must be before end time',
        'alerts[4]: startsAt: "yesterday" is not an RFC 3339 timestamp',
      ],
    });
    expect(am.alerts().map((v) => v.alert.labels.alertname)).toEqual(['Good']);
  });

  it.each([
    ['not an array', '/api/v2/alerts', { labels: { a: 'b' } }],
    ['an unknown field', '/api/v2/alerts', [{ labels: { a: 'b' }, status: 'firing' }]],
    ['a non-string label', '/api/v2/alerts', [{ labels: { a: 1 } }]],
    ['a silence without createdBy', '/api/v2/silences', { ...silenceBody(), createdBy: undefined }],
    ['a silence with a bad time', '/api/v2/silences', silenceBody({ startsAt: '2026-13-01' })],
    ['a silence ending before it starts', '/api/v2/silences', silenceBody({ endsAt: iso(T0 - 1) })],
    [
      'a silence matching everything',
      '/api/v2/silences',
      silenceBody({ matchers: [{ name: 'a', value: '', isRegex: false }] }),
    ],
    [
      'a silence with a bad regex',
      '/api/v2/silences',
      silenceBody({ matchers: [{ name: 'a', value: '[', isRegex: true }] }),
    ],
  ])('answers 400 problem+json for %s', async (_name, url, payload) => {
    const res = await post(url, payload);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
    expect((res.json() as { detail: string }).detail.length).toBeGreaterThan(0);
  });

  it('answers 400 for malformed JSON, bad filters and bad ids; 404 for unknown silences and other tenants', async () => {
    const raw = await app.inject({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: { 'content-type': 'application/json' },
      payload: '[{',
    });
    expect(raw.statusCode).toBe(400);
    expect((await get('/api/v2/alerts?filter=nope')).json()).toMatchObject({
      status: 400,
      detail: expect.stringContaining('bad matcher format'),
    });
    expect((await get('/api/v2/alerts?receiver=(')).statusCode).toBe(400);
    expect((await get('/api/v2/alerts?active=maybe')).statusCode).toBe(400);
    expect((await get('/api/v2/silence/not-a-uuid')).statusCode).toBe(400);
    expect((await get('/api/v2/silence/0190c1e2-0000-7000-8000-000000000000')).statusCode).toBe(404);
    expect(
      (await app.inject({ method: 'DELETE', url: '/api/v2/silence/0190c1e2-0000-7000-8000-000000000000' }))
        .statusCode,
    ).toBe(404);
    expect(
      (await post('/api/v2/silences', silenceBody({ id: '0190c1e2-0000-7000-8000-000000000000' })))
        .statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ method: 'GET', url: '/api/v2/alerts', headers: { 'x-tenant': 'other' } }))
        .statusCode,
    ).toBe(404);
  });

  it('creates, updates, lists, gets and expires silences', async () => {
    const { silenceID: id } = (await post('/api/v2/silences', silenceBody())).json() as { silenceID: string };
    const { silenceID: pending } = (
      await post('/api/v2/silences', silenceBody({ startsAt: iso(T0 + 60_000), comment: 'later' }))
    ).json() as { silenceID: string };
    // Extending an active silence keeps its id.
    expect((await post('/api/v2/silences', silenceBody({ id, endsAt: iso(T0 + 7_200_000) }))).json()).toEqual(
      { silenceID: id },
    );
    expect((await get(`/api/v2/silence/${id}`)).json()).toEqual({
      id,
      status: { state: 'active' },
      updatedAt: '2026-01-01T00:00:00Z',
      comment: 'maintenance',
      createdBy: 'alice',
      endsAt: '2026-01-01T02:00:00Z',
      matchers: [{ name: 'alertname', value: 'Quiet', isRegex: false, isEqual: true }],
      startsAt: '2026-01-01T00:00:00Z',
    });
    clock.set(T0 + 1000);
    expect((await app.inject({ method: 'DELETE', url: `/api/v2/silence/${id}` })).statusCode).toBe(200);
    const again = await app.inject({ method: 'DELETE', url: `/api/v2/silence/${id}` });
    expect(again.statusCode).toBe(409);
    const list = (await get('/api/v2/silences')).json() as { id: string; status: { state: string } }[];
    expect(list.map((s) => [s.id, s.status.state])).toEqual([
      [pending, 'pending'],
      [id, 'expired'],
    ]);
    const filtered = (
      await get(`/api/v2/silences?filter=${encodeURIComponent('alertname="Quiet"')}`)
    ).json() as object[];
    expect(filtered).toHaveLength(2);
    expect((await get(`/api/v2/silences?filter=${encodeURIComponent('team="x"')}`)).json()).toEqual([]);
  });

  it("serves Alertmanager's status with the loaded configuration, credentials redacted", async () => {
    const yaml = `${YAML.replace('url: $URL/team', 'url: $URL/team, http_config: { authorization: { credentials: hunter2 } }')}`;
    am.applyConfig(parseAlertmanagerConfig(yaml.replaceAll('$URL', receiver.url), 'am.yml'));
    const status = (await get('/api/v2/status')).json() as {
      config: { original: string };
      cluster: object;
      uptime: string;
    };
    expect(status.cluster).toEqual({ name: '', peers: [], status: 'disabled' });
    expect(status.uptime).toBe('2026-01-01T00:00:00Z');
    expect(status.config.original).toContain('credentials: <secret>');
    expect(status.config.original).not.toContain('hunter2');
  });

  it('serves the history by time range, kind, matchers and limit', async () => {
    await post('/api/v2/alerts', [alert({ alertname: 'Down', severity: 'page' })]);
    clock.set(T0 + 30_000);
    await am.tick();
    clock.set(T0 + 60_000);
    await post('/api/v2/alerts', [alert({ alertname: 'Other' })]);
    const events = (url: string) =>
      get(url).then((r) => r.json() as { kind: string; at: string; labels?: object }[]);
    expect((await events('/api/v2/history')).map((e) => `${e.kind} ${e.at}`)).toEqual([
      'alert 2026-01-01T00:00:00Z',
      'notification 2026-01-01T00:00:30Z',
      'alert 2026-01-01T00:01:00Z',
    ]);
    expect(await events('/api/v2/history?kind=notification')).toMatchObject([
      {
        receiver: 'pager',
        integration: 'pager/webhook/0',
        outcome: 'sent',
        status: 'firing',
        groupKey: '{}/{severity="page"}:{alertname="Down"}',
      },
    ]);
    expect(
      (await events(`/api/v2/history?filter=${encodeURIComponent('alertname="Down"')}`)).map((e) => e.kind),
    ).toEqual(['alert', 'notification']);
    expect(
      (await events(`/api/v2/history?start=${T0 / 1000 + 1}&end=2026-01-01T00:00:59Z`)).map((e) => e.kind),
    ).toEqual(['notification']);
    expect((await events('/api/v2/history?limit=1')).map((e) => e.at)).toEqual(['2026-01-01T00:01:00Z']);
    expect((await get('/api/v2/history?start=soon')).statusCode).toBe(400);
    expect(
      (await get('/api/v2/history?start=2026-01-02T00:00:00Z&end=2026-01-01T00:00:00Z')).statusCode,
    ).toBe(400);
    expect((await get('/api/v2/history?kind=everything')).statusCode).toBe(400);
    expect((await get('/api/v2/history?limit=0')).statusCode).toBe(400);
  });
});
