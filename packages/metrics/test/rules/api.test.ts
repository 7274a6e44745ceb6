import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rulesApi } from '../../src/rules/api.js';
import { type Harness, harness, iso, record } from './harness.js';

const RULES = `
groups:
  - name: slo
    interval: 30s
    rules:
      - alert: HighLatency
        expr: latency_seconds > 0.5
        for: 2m
        keep_firing_for: 1m
        labels: { severity: page }
        annotations: { summary: '{{ $labels.job }} p95 {{ $value }}s' }
      - record: job:latency:max
        expr: max by (job) (latency_seconds)
  - name: broken
    rules:
      - record: bad
        expr: dup * on(job) dup
`;

/** The alerts at minute 3: api still above the threshold, web back under it but kept firing. */
const ALERTS = [
  {
    labels: { alertname: 'HighLatency', job: 'api', severity: 'page' },
    annotations: { summary: 'api p95 0.9s' },
    state: 'firing',
    activeAt: iso(0),
    value: '9e-01',
  },
  {
    labels: { alertname: 'HighLatency', job: 'web', severity: 'page' },
    annotations: { summary: 'web p95 0.9s' },
    state: 'firing',
    activeAt: iso(0),
    keepFiringSince: iso(3),
    value: '9e-01',
  },
];

describe('rules and alerts API', () => {
  let h: Harness;
  let app: FastifyInstance;

  beforeAll(async () => {
    h = harness(RULES);
    record(h.db, { __name__: 'latency_seconds', job: 'api' }, [0.9, 0.9, 0.9, 0.9]);
    record(h.db, { __name__: 'latency_seconds', job: 'web' }, [0.9, 0.9, 0.9, 0.1]);
    record(h.db, { __name__: 'dup', job: 'x', i: 'a' }, [1]);
    record(h.db, { __name__: 'dup', job: 'x', i: 'b' }, [1]);
    for (let m = 0; m <= 3; m++) h.evalAt(m);
    app = Fastify();
    await app.register(rulesApi, {
      // The tenant header stands in for the caller's tenant: only "ops" sees the rules.
      resolveRules: (request) => (request.headers['x-tenant'] === 'ops' ? h.manager : undefined),
    });
  });
  afterAll(async () => {
    await app?.close();
  });

  const get = async (url: string, tenant = 'ops') => {
    const res = await app.inject({ url, headers: { 'x-tenant': tenant } });
    return { status: res.statusCode, body: res.json() };
  };

  it("answers /api/v1/rules in Prometheus's shape", async () => {
    const { status, body } = await get('/api/v1/rules');
    expect(status).toBe(200);
    const file = h.manager.options.files[0];
    expect(body).toEqual({
      status: 'success',
      data: {
        groups: [
          {
            name: 'slo',
            file,
            interval: 30,
            limit: 0,
            evaluationTime: expect.any(Number),
            lastEvaluation: iso(3),
            rules: [
              {
                state: 'firing',
                name: 'HighLatency',
                query: 'latency_seconds > 0.5',
                duration: 120,
                keepFiringFor: 60,
                labels: { severity: 'page' },
                annotations: { summary: '{{ $labels.job }} p95 {{ $value }}s' },
                alerts: ALERTS,
                health: 'ok',
                evaluationTime: expect.any(Number),
                lastEvaluation: iso(3),
                type: 'alerting',
              },
              {
                name: 'job:latency:max',
                query: 'max by (job) (latency_seconds)',
                health: 'ok',
                evaluationTime: expect.any(Number),
                lastEvaluation: iso(3),
                type: 'recording',
              },
            ],
          },
          {
            name: 'broken',
            file,
            interval: 60,
            limit: 0,
            evaluationTime: expect.any(Number),
            lastEvaluation: iso(3),
            rules: [
              {
                name: 'bad',
                query: 'dup * on(job) dup',
                health: 'err',
                lastError: expect.stringMatching(/many-to-many|duplicate/),
                evaluationTime: expect.any(Number),
                lastEvaluation: iso(3),
                type: 'recording',
              },
            ],
          },
        ],
      },
    });
  });

  it('filters by type, rule name, group and file, dropping emptied groups', async () => {
    const names = async (query: string) =>
      (await get(`/api/v1/rules?${query}`)).body.data.groups.map(
        (g: { name: string; rules: { name: string }[] }) =>
          `${g.name}:${g.rules.map((r) => r.name).join(',')}`,
      );
    expect(await names('type=alert')).toEqual(['slo:HighLatency']);
    expect(await names('type=record')).toEqual(['slo:job:latency:max', 'broken:bad']);
    expect(await names('rule_name[]=bad&rule_name[]=HighLatency')).toEqual(['slo:HighLatency', 'broken:bad']);
    expect(await names('rule_group[]=broken')).toEqual(['broken:bad']);
    expect(await names(`file[]=${encodeURIComponent('/elsewhere.yml')}`)).toEqual([]);
    expect(await names(`match[]=${encodeURIComponent('{severity="page"}')}`)).toEqual(['slo:HighLatency']);
    expect(await names(`match[]=${encodeURIComponent('{severity=~"warn.*"}')}`)).toEqual([]);
    const excluded = await get('/api/v1/rules?type=alert&exclude_alerts=true');
    expect(excluded.body.data.groups[0].rules[0]).not.toHaveProperty('alerts');
  });

  it('rejects an unknown type or exclude_alerts value with bad_data', async () => {
    expect(await get('/api/v1/rules?type=alerts')).toEqual({
      status: 400,
      body: { status: 'error', errorType: 'bad_data', error: 'unsupported type: "alerts"' },
    });
    expect((await get('/api/v1/rules?exclude_alerts=maybe')).status).toBe(400);
    expect((await get(`/api/v1/rules?match[]=${encodeURIComponent('{severity=')}`)).body).toMatchObject({
      errorType: 'bad_data',
      error: expect.stringMatching(/^invalid parameter "match\[\]": /),
    });
  });

  it('lists pending and firing alerts on /api/v1/alerts, not resolved ones', async () => {
    const { body } = await get('/api/v1/alerts');
    expect(body).toEqual({
      status: 'success',
      data: {
        alerts: ALERTS,
      },
    });
  });

  it('gives callers without rules an empty rule set', async () => {
    expect((await get('/api/v1/rules', 'acme')).body).toEqual({ status: 'success', data: { groups: [] } });
    expect((await get('/api/v1/alerts', 'acme')).body).toEqual({ status: 'success', data: { alerts: [] } });
  });
});
