import Fastify, { type FastifyInstance } from 'fastify';
import snappy from 'snappyjs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { metricsApi } from '../../src/api/plugin.js';
import { ProtoWriter } from '../../src/ingest/protobuf.js';
import { encodeWriteRequest } from '../../src/ingest/remote-write.js';
import { labelsFromRecord } from '../../src/labels.js';
import { Storage } from '../../src/tenancy.js';

const T0 = 1_700_000_000_000;

function series(record: Record<string, string>, samples: [number, number][]) {
  return { labels: labelsFromRecord(record), samples: samples.map(([t, v]) => ({ t, v })) };
}

describe('metrics API plugin', () => {
  let app: FastifyInstance;
  let storage: Storage;

  beforeEach(async () => {
    storage = new Storage();
    app = Fastify();
    await app.register(metricsApi, {
      storage,
      resolveTenant: (req) => String(req.headers['x-tenant'] ?? 'acme'),
      clock: { now: () => T0 + 600_000 },
    });
    await app.ready();
  });
  afterEach(async () => {
    await app.close();
    storage.close();
  });

  const write = (body: Uint8Array, tenant = 'acme', headers: Record<string, string> = {}) =>
    app.inject({
      method: 'POST',
      url: '/api/v1/write',
      headers: {
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        'x-prometheus-remote-write-version': '0.1.0',
        'x-tenant': tenant,
        ...headers,
      },
      payload: Buffer.from(body),
    });

  const seed = async () => {
    const samples = (step: number) =>
      Array.from({ length: 11 }, (_, i) => [T0 + i * 60_000, i * step] as [number, number]);
    const res = await write(
      encodeWriteRequest(
        [
          series({ __name__: 'http_requests_total', job: 'api', code: '200' }, samples(10)),
          series({ __name__: 'http_requests_total', job: 'api', code: '500' }, samples(1)),
          series({ __name__: 'up', job: 'api' }, samples(0)),
        ],
        new Map([['http_requests_total', { type: 'counter', help: 'Requests.', unit: '' }]]),
      ),
    );
    expect(res.statusCode).toBe(204);
  };

  it('accepts remote write and answers instant queries in Prometheus shape', async () => {
    await seed();
    const res = await app.inject({
      url: `/api/v1/query?query=${encodeURIComponent('sum by (code) (http_requests_total)')}&time=${(T0 + 600_000) / 1000}`,
    });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.status).toBe('success');
    expect(body.data.resultType).toBe('vector');
    const byCode = Object.fromEntries(
      body.data.result.map((r: { metric: { code: string }; value: [number, string] }) => [
        r.metric.code,
        r.value,
      ]),
    );
    expect(byCode).toEqual({ '200': [(T0 + 600_000) / 1000, '100'], '500': [(T0 + 600_000) / 1000, '10'] });
  });

  it('answers scalar, string and range queries', async () => {
    await seed();
    const scalar = (await app.inject({ url: '/api/v1/query?query=1%2B1&time=100' })).json();
    expect(scalar.data).toEqual({ resultType: 'scalar', result: [100, '2'] });
    const str = (await app.inject({ url: '/api/v1/query?query=%22hi%22&time=100' })).json();
    expect(str.data).toEqual({ resultType: 'string', result: [100, 'hi'] });
    const range = await app.inject({
      method: 'POST',
      url: '/api/v1/query_range',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `query=${encodeURIComponent('rate(http_requests_total{code="200"}[2m])')}&start=${(T0 + 120_000) / 1000}&end=${(T0 + 240_000) / 1000}&step=60s`,
    });
    const data = range.json().data;
    expect(data.resultType).toBe('matrix');
    expect(data.result).toHaveLength(1);
    expect(data.result[0].metric).toEqual({ code: '200', job: 'api' });
    expect(data.result[0].values.map((v: [number, string]) => v[0])).toEqual([
      (T0 + 120_000) / 1000,
      (T0 + 180_000) / 1000,
      (T0 + 240_000) / 1000,
    ]);
    expect(Number(data.result[0].values[1][1])).toBeCloseTo(10 / 60, 10);
  });

  it('reports parse errors with their position as bad_data', async () => {
    const res = await app.inject({ url: `/api/v1/query?query=${encodeURIComponent('sum(rate(foo[5m])')}` });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      status: 'error',
      errorType: 'bad_data',
      error: expect.stringMatching(/^invalid parameter "query": 1:18: parse error: unexpected end of input/),
    });
    const typeErr = (
      await app.inject({ url: `/api/v1/query?query=${encodeURIComponent('rate(foo)')}` })
    ).json();
    expect(typeErr.error).toMatch(
      /1:6: parse error: expected type range vector in call to function "rate", got instant vector/,
    );
    const missing = await app.inject({ url: '/api/v1/query_range?query=up&start=1&end=2' });
    expect(missing.json().error).toBe('invalid parameter "step": missing step');
    const badTimeout = await app.inject({ url: '/api/v1/query?query=up&timeout=soon' });
    expect(badTimeout.json().error).toBe(
      'invalid parameter "timeout": cannot parse "soon" to a valid duration',
    );
    const tooMany = await app.inject({ url: '/api/v1/query_range?query=up&start=0&end=100000&step=1' });
    expect(tooMany.json().error).toMatch(/exceeded maximum resolution of 11000 points per timeseries/);
  });

  it('serves series, labels, label values, metadata and buildinfo', async () => {
    await seed();
    const seriesRes = (
      await app.inject({
        url: `/api/v1/series?match[]=${encodeURIComponent('http_requests_total{code="500"}')}`,
      })
    ).json();
    expect(seriesRes).toEqual({
      status: 'success',
      data: [{ __name__: 'http_requests_total', code: '500', job: 'api' }],
    });
    expect((await app.inject({ url: '/api/v1/labels' })).json().data).toEqual(['__name__', 'code', 'job']);
    expect((await app.inject({ url: '/api/v1/label/__name__/values' })).json().data).toEqual([
      'http_requests_total',
      'up',
    ]);
    expect(
      (
        await app.inject({ url: `/api/v1/label/code/values?match[]=${encodeURIComponent('{code="200"}')}` })
      ).json().data,
    ).toEqual(['200']);
    expect((await app.inject({ url: '/api/v1/metadata' })).json().data).toEqual({
      http_requests_total: [{ type: 'counter', help: 'Requests.', unit: '' }],
    });
    expect((await app.inject({ url: '/api/v1/status/buildinfo' })).json().data.version).toMatch(/^3\./);
    expect((await app.inject({ url: '/api/v1/label/__name__/values?limit=1' })).json().data).toEqual([
      'http_requests_total',
    ]);
    expect((await app.inject({ url: '/api/v1/labels?limit=x' })).statusCode).toBe(400);
    const noMatch = await app.inject({ url: '/api/v1/series' });
    expect(noMatch.statusCode).toBe(400);
    expect(noMatch.json().error).toBe('no match[] parameter provided');
  });

  it('isolates tenants: a tenant never sees another tenant series', async () => {
    await seed();
    const w = await write(
      encodeWriteRequest([series({ __name__: 'secret', job: 'other' }, [[T0, 1]])]),
      'globex',
    );
    expect(storage.tenant('globex').head.labelValues('__name__')).toEqual(['secret']);
    expect(w.statusCode).toBe(204);
    const acme = (
      await app.inject({ url: '/api/v1/label/__name__/values', headers: { 'x-tenant': 'acme' } })
    ).json().data;
    const globex = (
      await app.inject({ url: '/api/v1/label/__name__/values', headers: { 'x-tenant': 'globex' } })
    ).json().data;
    expect(acme).not.toContain('secret');
    expect(globex).toEqual(['secret']);
    const q = (
      await app.inject({
        url: `/api/v1/query?query=${encodeURIComponent('{__name__=~".+"}')}&time=${T0 / 1000}`,
        headers: { 'x-tenant': 'globex' },
      })
    ).json();
    expect(q.data.result.map((r: { metric: { __name__: string } }) => r.metric.__name__)).toEqual(['secret']);
  });

  it('rejects malformed remote write with 400 and writes nothing', async () => {
    await seed();
    const garbage = await write(new Uint8Array([1, 2, 3, 4, 5]));
    expect(garbage.statusCode).toBe(400);
    expect(garbage.body).toMatch(/snappy|protobuf/);

    // Valid snappy, broken protobuf (length runs past the end).
    const broken = await write(snappy.compress(new Uint8Array([0x0a, 0x50, 0x01])));
    expect(broken.statusCode).toBe(400);
    expect(broken.body).toMatch(/malformed protobuf/);

    // One good series and one with an invalid metric name: nothing of the request is kept.
    const mixed = await write(
      encodeWriteRequest([
        series({ __name__: 'fresh_metric', job: 'x' }, [[T0, 1]]),
        series({ __name__: '0bad', job: 'x' }, [[T0, 1]]),
      ]),
    );
    expect(mixed.statusCode).toBe(400);
    expect(mixed.body).toMatch(/invalid metric name "0bad"/);

    // Out-of-order sample in the same request as a good one: 400, nothing written.
    const ooo = await write(
      encodeWriteRequest([
        series({ __name__: 'fresh_metric', job: 'x' }, [[T0, 1]]),
        series({ __name__: 'up', job: 'api' }, [[T0, 5]]),
      ]),
    );
    expect(ooo.statusCode).toBe(400);
    expect(ooo.body).toMatch(/out of order|duplicate/);
    const names = (await app.inject({ url: '/api/v1/query?query=count(fresh_metric)' })).json().data.result;
    expect(names).toEqual([]);

    const wrongType = await write(encodeWriteRequest([]), 'acme', { 'content-type': 'text/plain' });
    expect(wrongType.statusCode).toBe(415);
  });

  it('accepts a hand-built protobuf payload with stale markers and metadata', async () => {
    const w = new ProtoWriter();
    w.message(1, (ts) => {
      ts.message(1, (l) => {
        l.string(1, '__name__');
        l.string(2, 'hand_built');
      });
      ts.message(2, (s) => {
        s.double(1, 7);
        s.tag(2, 0);
        s.varint(T0);
      });
    });
    const res = await write(snappy.compress(w.finish()));
    expect(res.statusCode).toBe(204);
    const q = (await app.inject({ url: `/api/v1/query?query=hand_built&time=${T0 / 1000}` })).json();
    expect(q.data.result).toEqual([{ metric: { __name__: 'hand_built' }, value: [T0 / 1000, '7'] }]);
  });

  it('ingests OTLP JSON gauges, cumulative sums and histograms', async () => {
    const ns = String(BigInt(T0) * 1_000_000n);
    const res = await app.inject({
      method: 'POST',
      url: '/v1/metrics',
      payload: {
        resourceMetrics: [
          {
            resource: { attributes: [{ key: 'service.name', value: { stringValue: 'checkout' } }] },
            scopeMetrics: [
              {
                metrics: [
                  { name: 'queue.depth', gauge: { dataPoints: [{ timeUnixNano: ns, asInt: '4' }] } },
                  {
                    name: 'http.requests',
                    sum: {
                      aggregationTemporality: 2,
                      isMonotonic: true,
                      dataPoints: [
                        {
                          timeUnixNano: ns,
                          asDouble: 12,
                          attributes: [{ key: 'http.method', value: { stringValue: 'GET' } }],
                        },
                      ],
                    },
                  },
                  {
                    name: 'latency',
                    histogram: {
                      aggregationTemporality: 2,
                      dataPoints: [
                        {
                          timeUnixNano: ns,
                          count: '3',
                          sum: 0.6,
                          bucketCounts: ['1', '2', '0'],
                          explicitBounds: [0.1, 0.5],
                        },
                      ],
                    },
                  },
                  {
                    name: 'deltas',
                    sum: { aggregationTemporality: 1, dataPoints: [{ timeUnixNano: ns, asInt: '1' }] },
                  },
                ],
              },
            ],
          },
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().partialSuccess.rejectedDataPoints).toBe(1);
    const q = async (query: string) =>
      (await app.inject({ url: `/api/v1/query?query=${encodeURIComponent(query)}&time=${T0 / 1000}` })).json()
        .data.result;
    expect(await q('queue_depth')).toEqual([
      { metric: { __name__: 'queue_depth', job: 'checkout' }, value: [T0 / 1000, '4'] },
    ]);
    expect((await q('http_requests_total'))[0].metric).toEqual({
      __name__: 'http_requests_total',
      job: 'checkout',
      http_method: 'GET',
    });
    expect((await q('latency_bucket{le="+Inf"}'))[0].value[1]).toBe('3');
    expect((await q('histogram_quantile(0.5, latency_bucket)'))[0].value[1]).toBe('0.2');
    const bad = await app.inject({ method: 'POST', url: '/v1/metrics', payload: { nope: 1 } });
    expect(bad.statusCode).toBe(400);
    for (const payload of [
      { resourceMetrics: [null] },
      { resourceMetrics: [{ scopeMetrics: 5 }] },
      {
        resourceMetrics: [
          {
            scopeMetrics: [
              { metrics: [{ name: 'g', gauge: { dataPoints: [{ timeUnixNano: 'soon', asDouble: 1 }] } }] },
            ],
          },
        ],
      },
    ]) {
      const res = await app.inject({ method: 'POST', url: '/v1/metrics', payload });
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(res.json().message).toMatch(/malformed OTLP request|invalid timeUnixNano/);
    }
  });
});

describe('cardinality limits', () => {
  it('rejects remote write beyond a per-metric series limit with the reason, writing nothing', async () => {
    const storage = new Storage({ limits: { maxSeries: 100, maxSeriesPerMetric: 2 } });
    const app = Fastify();
    await app.register(metricsApi, { storage, resolveTenant: () => 'acme' });
    const body = encodeWriteRequest(
      ['a', 'b', 'c'].map((i) => series({ __name__: 'per_user_requests', user: i }, [[T0, 1]])),
    );
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/write',
      headers: { 'content-type': 'application/x-protobuf', 'content-encoding': 'snappy' },
      payload: Buffer.from(body),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe('metric "per_user_requests" reached its limit of 2 series');
    expect(storage.tenant('acme').head.numSamples).toBe(0);
    await app.close();
  });
});

describe('internal errors', () => {
  it('answers 500 in Prometheus shape without leaking details', async () => {
    const app = Fastify({ logger: false });
    await app.register(metricsApi, {
      storage: new Storage(),
      resolveTenant: () => {
        throw new Error('secret database password in message');
      },
    });
    const res = await app.inject({ url: '/api/v1/query?query=up' });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ status: 'error', errorType: 'internal', error: 'internal error' });
    await app.close();
  });
});

describe('mounting', () => {
  it('coexists with a host that already parses forms and protobuf', async () => {
    const app = Fastify();
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) =>
      done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );
    app.addContentTypeParser('application/x-protobuf', { parseAs: 'buffer' }, (_req, body, done) =>
      done(null, body),
    );
    await app.register(metricsApi, { storage: new Storage(), resolveTenant: () => 'acme' });
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/query',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'query=1%2B2&time=10',
    });
    expect(res.json().data).toEqual({ resultType: 'scalar', result: [10, '3'] });
    await app.close();
  });
});
