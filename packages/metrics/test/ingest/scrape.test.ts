import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock } from '@parley/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStaleAt } from '../../src/chunkenc/xor.js';
import { Matcher } from '../../src/index/matchers.js';
import { ExpositionError, parseExposition } from '../../src/ingest/exposition.js';
import { relabel, Scraper } from '../../src/ingest/scrape.js';
import { labelsFromRecord, labelsToRecord } from '../../src/labels.js';
import { Tsdb } from '../../src/tsdb.js';

const TEXT = `# HELP http_requests_total The total number of HTTP requests.
# TYPE http_requests_total counter
http_requests_total{method="post",code="200"} 1027 1395066363000
http_requests_total{method="post",code="400"}    3 1395066363000

# Escaping in label values:
msdos_file_access_time_seconds{path="C:\\\\DIR\\\\FILE.TXT",error="Cannot find file:\\n\\"FILE.TXT\\""} 1.458255915e9

metric_without_timestamp_and_labels 12.47
something_weird{problem="division by zero"} +Inf -3982045
# TYPE rpc_duration_seconds summary
rpc_duration_seconds{quantile="0.5"} 4773
rpc_duration_seconds_sum 1.7560473e+07
`;

describe('exposition parser', () => {
  it('parses the text format 0.0.4 example from the Prometheus docs', () => {
    const { samples, metadata } = parseExposition(TEXT, false);
    expect(samples).toHaveLength(7);
    expect(labelsToRecord(samples[0]!.labels)).toEqual({
      __name__: 'http_requests_total',
      method: 'post',
      code: '200',
    });
    expect(samples[0]!.timestamp).toBe(1395066363000);
    expect(labelsToRecord(samples[2]!.labels).path).toBe('C:\\DIR\\FILE.TXT');
    expect(labelsToRecord(samples[2]!.labels).error).toBe('Cannot find file:\n"FILE.TXT"');
    expect(samples[4]!.value).toBe(Number.POSITIVE_INFINITY);
    expect(samples[4]!.timestamp).toBe(-3982045);
    expect(metadata.get('http_requests_total')).toEqual({
      type: 'counter',
      help: 'The total number of HTTP requests.',
      unit: '',
    });
    expect(metadata.get('rpc_duration_seconds')!.type).toBe('summary');
  });

  it('parses OpenMetrics with seconds timestamps, units, exemplars and # EOF', () => {
    const om = `# TYPE foo_seconds counter\n# UNIT foo_seconds seconds\nfoo_seconds_total{a="b"} 17.0 1520879607.789 # {trace_id="x"} 1 1520879607.7\n# EOF\n`;
    const { samples, metadata } = parseExposition(om, true);
    expect(samples[0]!.timestamp).toBe(1520879607789);
    expect(samples[0]!.value).toBe(17);
    expect(metadata.get('foo_seconds')!.unit).toBe('seconds');
    expect(() => parseExposition('a 1\n', true)).toThrow(/must end with # EOF/);
  });

  it('rejects malformed lines with the line number', () => {
    expect(() => parseExposition('ok 1\nbad{a="1" 2\n', false)).toThrow(ExpositionError);
    expect(() => parseExposition('ok 1\nbad{a="1"} nope\n', false)).toThrow(/line 2: invalid sample value/);
    expect(() => parseExposition('x{a="1",a="2"} 1', false)).toThrow(/duplicate label/);
    expect(() => parseExposition('# TYPE x bogus', false)).toThrow(/invalid metric type/);
  });
});

describe('relabel', () => {
  it('replaces, keeps, drops and removes labels', () => {
    const l = labelsFromRecord({ __name__: 'x', pod: 'api-7f9c', env: 'prod' });
    expect(
      labelsToRecord(relabel(l, [{ sourceLabels: ['pod'], regex: '(.*)-[a-z0-9]+', targetLabel: 'app' }])!)
        .app,
    ).toBe('api');
    expect(relabel(l, [{ action: 'drop', sourceLabels: ['env'], regex: 'prod' }])).toBeUndefined();
    expect(relabel(l, [{ action: 'keep', sourceLabels: ['env'], regex: 'prod' }])).toBeDefined();
    expect(labelsToRecord(relabel(l, [{ action: 'labeldrop', regex: 'pod|env' }])!)).toEqual({
      __name__: 'x',
    });
  });
});

describe('scraper', () => {
  let server: Server;
  let url: string;
  let body = '';
  let status = 200;

  beforeAll(async () => {
    server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('writes samples with job/instance, up, and stale markers for vanished series and failed scrapes', async () => {
    const db = Tsdb.open();
    const clock = new ManualClock(1_000_000);
    const scraper = new Scraper(db, [], clock);
    const config = {
      jobName: 'parley',
      targets: [url],
      honorLabels: false,
      metricRelabel: [{ action: 'drop' as const, sourceLabels: ['__name__'], regex: 'ignored_.*' }],
    };
    body = '# TYPE a counter\na{job="inner"} 1\nb 2\nignored_x 3\n';
    expect(await scraper.scrape(config, url)).toEqual({ up: true, samples: 2 });
    const q = db.querier();
    const a = q.select([new Matcher('=', '__name__', 'a')], 0, 2e6);
    expect(labelsToRecord(a[0]!.labels)).toEqual({
      __name__: 'a',
      exported_job: 'inner',
      instance: new URL(url).host,
      job: 'parley',
    });
    expect(q.select([new Matcher('=', '__name__', 'ignored_x')], 0, 2e6)).toHaveLength(0);
    expect(db.metadata.get('a')!.type).toBe('counter');

    clock.advance(15_000);
    body = 'b 3\n';
    await scraper.scrape(config, url);
    const aAfter = db.querier().select([new Matcher('=', '__name__', 'a')], 0, 2e6)[0]!.samples;
    expect(aAfter.length).toBe(2);
    expect(isStaleAt(aAfter.v, 1)).toBe(true);

    clock.advance(15_000);
    status = 500;
    const failed = await scraper.scrape(config, url);
    expect(failed.up).toBe(false);
    expect(failed.error).toMatch(/500/);
    const up = db.querier().select([new Matcher('=', '__name__', 'up')], 0, 2e6)[0]!.samples;
    expect(Array.from(up.v.subarray(0, up.length))).toEqual([1, 1, 0]);
    const b = db.querier().select([new Matcher('=', '__name__', 'b')], 0, 2e6)[0]!.samples;
    expect(isStaleAt(b.v, 2)).toBe(true);
    status = 200;
  });

  it('reports an unreachable target as down', async () => {
    const db = Tsdb.open();
    const scraper = new Scraper(db, [], new ManualClock(1000));
    const r = await scraper.scrape(
      { jobName: 'x', targets: [], timeoutMs: 1000 },
      'http://127.0.0.1:1/metrics',
    );
    expect(r.up).toBe(false);
  });
});
