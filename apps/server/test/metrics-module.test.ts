import { seedDemo } from '@parley/iam';
import { encodeWriteRequest, labelsFromRecord } from '@parley/metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessTokenFor, createTestAppWithIam, type TestAppWithIam } from './helpers.js';

const PASSWORD = 'metrics-demo-password-1';

describe('metrics module in the server', () => {
  let t: TestAppWithIam;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    // globex plays the operators' tenant: it sees Parley's own series, acme does not.
    t = await createTestAppWithIam({
      modules: ['metrics'],
      env: { PARLEY_METRICS_SCRAPE_INTERVAL: '100ms', PARLEY_METRICS_PLATFORM_TENANT: 'globex' },
    });
    await seedDemo(t.iam, PASSWORD);
    for (const [tenant, role] of [
      ['acme', 'admin'],
      ['acme', 'analyst'],
      ['acme', 'guest'],
      ['globex', 'admin'],
    ] as const) {
      tokens[`${tenant}-${role}`] = await accessTokenFor(t.app, tenant, `${role}@${tenant}.test`, PASSWORD);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  const auth = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });
  const write = (who: string, body: Uint8Array) =>
    t.app.inject({
      method: 'POST',
      url: '/api/v1/write',
      headers: {
        ...auth(who),
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        'x-prometheus-remote-write-version': '0.1.0',
      },
      payload: Buffer.from(body),
    });
  const query = (who: string, q: string) =>
    t.app.inject({ url: `/api/v1/query?${new URLSearchParams({ query: q })}`, headers: auth(who) });
  const now = Date.now();
  const orders = encodeWriteRequest([
    {
      labels: labelsFromRecord({ __name__: 'orders_total', shop: 'north' }),
      samples: [
        { t: now - 60_000, v: 10 },
        { t: now - 1000, v: 25 },
      ],
    },
  ]);

  it('stores a tenant remote write and answers its queries with metrics:read', async () => {
    expect((await write('acme-admin', orders)).statusCode).toBe(204);
    const res = await query('acme-analyst', 'orders_total');
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('success');
    expect(body.data.result).toEqual([
      { metric: { __name__: 'orders_total', shop: 'north' }, value: [expect.any(Number), '25'] },
    ]);
  });

  it('keeps tenants apart: another tenant sees none of the series', async () => {
    const res = await query('globex-admin', 'orders_total');
    expect(res.json().data.result).toEqual([]);
  });

  it('checks permissions: guests may not read, analysts may not write, anonymous callers get 401', async () => {
    expect((await query('acme-guest', 'orders_total')).statusCode).toBe(403);
    expect((await write('acme-analyst', orders)).statusCode).toBe(403);
    const anonymous = await t.app.inject({ url: '/api/v1/query?query=up' });
    expect(anonymous.statusCode).toBe(401);
  });

  it('answers bad PromQL with 400 bad_data and the position', async () => {
    const res = await query('acme-analyst', 'sum(rate(orders_total[5m])');
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ status: 'error', errorType: 'bad_data' });
    expect(res.json().error).toMatch(/1:\d+: parse error/);
  });

  it("scrapes the server's own /metrics into the operators' tenant only", async () => {
    // Scrapes run every 100 ms; on a loaded machine one may time out (up = 0), so wait for a good one.
    let result: { metric: Record<string, string>; value: [number, string] }[] = [];
    for (let i = 0; i < 100 && result[0]?.value[1] !== '1'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      result = (await query('globex-admin', 'up{job="parley"}')).json().data.result;
    }
    expect(result).toEqual([
      {
        metric: { __name__: 'up', instance: '127.0.0.1:8080', job: 'parley' },
        value: [expect.any(Number), '1'],
      },
    ]);
    const processSeries = await query('globex-admin', 'count({job="parley", __name__=~"process_.+"})');
    expect(Number(processSeries.json().data.result[0].value[1])).toBeGreaterThan(0);
    expect((await query('acme-admin', 'up')).json().data.result).toEqual([]);
  });
});
