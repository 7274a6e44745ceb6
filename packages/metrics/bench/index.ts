/**
 * Metrics benchmarks: in-process append rate and chunk bytes/sample on node-exporter-like data,
 * then the same data sent by remote write to Parley's API and to a real Prometheus (if installed):
 * ingest rate, bytes/sample on disk (snapshot blocks of both), query latency of the same PromQL,
 * and whether both return the same values.
 */
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchRow, BenchSuite } from '@parley/kit/bench';
import Fastify from 'fastify';
import snappy from 'snappyjs';
import { metricsApi } from '../src/api/plugin.js';
import { writeBlock } from '../src/block.js';
import { Head } from '../src/head.js';
import { ProtoWriter } from '../src/ingest/protobuf.js';
import { Storage } from '../src/tenancy.js';
import { type Dataset, generate } from './dataset.js';
import { type PrometheusPeer, startPrometheus } from './prometheus.js';

const HOUR = 3600_000;

function du(path: string): number {
  const st = statSync(path);
  if (!st.isDirectory()) return st.size;
  let total = 0;
  for (const entry of readdirSync(path)) total += du(join(path, entry));
  return total;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Appends the whole dataset to a fresh head; returns samples/s and chunk bytes/sample. */
function appendInProcess(data: Dataset, rounds: number): { rate: number; bytesPerSample: number } {
  let best = 0;
  let bytesPerSample = 0;
  for (let round = 0; round < rounds; round++) {
    const head = new Head();
    const refs = Uint32Array.from(data.series.map((l) => head.getOrCreate(l).ref));
    const start = process.hrtime.bigint();
    for (let k = 0; k < data.times.length; k++) {
      const t = data.times[k]!;
      const vs = data.values[k]!;
      for (let i = 0; i < refs.length; i++) head.append(refs[i]!, t, vs[i]!);
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.max(best, data.samples / seconds);
    let bytes = 0;
    for (const s of head.allSeries()) {
      for (const c of s.chunks) bytes += c.bytes.length;
      if (s.head) bytes += s.head.bytes().length;
    }
    bytesPerSample = bytes / data.samples;
  }
  return { rate: best, bytesPerSample };
}

/**
 * Remote-write requests as a Prometheus client batches them: ≤ 2000 samples, time-ordered. Each
 * series' label fields are encoded once and reused, as a client's series cache would.
 */
function* encodeRequests(data: Dataset, batch = 2000): IterableIterator<Uint8Array> {
  const labelBytes = data.series.map((labels) => {
    const w = new ProtoWriter();
    for (const l of labels)
      w.message(1, (lw) => {
        lw.string(1, l.name);
        lw.string(2, l.value);
      });
    return w.finish().slice();
  });
  let w = new ProtoWriter();
  let pending = 0;
  for (let k = 0; k < data.times.length; k++) {
    const t = data.times[k]!;
    const values = data.values[k]!;
    for (let i = 0; i < data.series.length; i++) {
      w.message(1, (ts) => {
        ts.raw(labelBytes[i]!);
        ts.message(2, (sw) => {
          sw.double(1, values[i]!);
          sw.tag(2, 0);
          sw.varint(t);
        });
      });
      if (++pending === batch) {
        yield snappy.compress(w.finish());
        w = new ProtoWriter();
        pending = 0;
      }
    }
  }
  if (pending > 0) yield snappy.compress(w.finish());
}

async function post(url: string, body: Uint8Array): Promise<number> {
  const start = process.hrtime.bigint();
  const res = await fetch(`${url}/api/v1/write`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-protobuf',
      'content-encoding': 'snappy',
      'x-prometheus-remote-write-version': '0.1.0',
    },
    body,
  });
  if (res.status >= 300) throw new Error(`${url} remote write: ${res.status} ${await res.text()}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * Sends every request to each target, in groups encoded ahead of time (encoding is not timed and
 * its garbage is not collected on the server's clock more than necessary). Seconds per target.
 */
async function sendAll(
  urls: string[],
  data: Dataset,
  group = 100,
): Promise<{ seconds: number[]; requests: number }> {
  const seconds = urls.map(() => 0);
  let requests = 0;
  const it = encodeRequests(data);
  for (;;) {
    const bodies: Uint8Array[] = [];
    for (let r = it.next(); !r.done; r = bodies.length < group ? it.next() : { done: true, value: undefined })
      bodies.push(r.value);
    if (bodies.length === 0) break;
    requests += bodies.length;
    for (let i = 0; i < urls.length; i++)
      for (const body of bodies) seconds[i]! += await post(urls[i]!, body);
  }
  return { seconds, requests };
}

interface QueryCase {
  name: string;
  query: string;
  range?: { step: number; span: number };
}

type PromResult = { metric: Record<string, string>; value?: [number, string]; values?: [number, string][] }[];

async function runQuery(url: string, q: QueryCase, end: number): Promise<{ ms: number; result: PromResult }> {
  const params = new URLSearchParams({ query: q.query });
  let path = '/api/v1/query';
  if (q.range) {
    // Grafana aligns range queries to multiples of the step; so do we.
    end = Math.floor(end / q.range.step) * q.range.step;
    path = '/api/v1/query_range';
    params.set('start', String((end - q.range.span) / 1000));
    params.set('end', String(end / 1000));
    params.set('step', String(q.range.step / 1000));
  } else params.set('time', String(end / 1000));
  const start = process.hrtime.bigint();
  const res = await fetch(`${url}${path}?${params}`);
  const body = (await res.json()) as { status: string; data: { result: PromResult }; error?: string };
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (body.status !== 'success') throw new Error(`${url} ${q.query}: ${body.error}`);
  return { ms, result: body.data.result };
}

/** Where two answers differ (series or values, relative 1e-6), or undefined if they agree. */
function difference(a: PromResult, b: PromResult): string | undefined {
  if (a.length !== b.length) return `${a.length} series against ${b.length}`;
  const key = (r: PromResult[number]) => JSON.stringify(Object.entries(r.metric).sort());
  const byKey = new Map(b.map((r) => [key(r), r]));
  const close = (x: string, y: string) => {
    const u = Number(x);
    const v = Number(y);
    return x === y || Math.abs(u - v) <= 1e-6 * Math.max(1, Math.abs(u));
  };
  for (const r of a) {
    const other = byKey.get(key(r));
    if (!other) return `${key(r)} missing from the peer's answer`;
    if (r.value) {
      if (!other.value || !close(r.value[1], other.value[1]))
        return `${key(r)}: ${r.value[1]} against ${other.value?.[1]}`;
      continue;
    }
    const vs = r.values ?? [];
    const ws = other.values ?? [];
    if (vs.length !== ws.length) return `${key(r)}: ${vs.length} points against ${ws.length}`;
    for (let i = 0; i < vs.length; i++)
      if (vs[i]![0] !== ws[i]![0] || !close(vs[i]![1], ws[i]![1]))
        return `${key(r)} at ${vs[i]![0]}: ${vs[i]![1]} against ${ws[i]![0]} ${ws[i]![1]}`;
  }
  return undefined;
}

const suite: BenchSuite = {
  name: 'metrics',
  async run({ quick, log }) {
    const rows: BenchRow[] = [];
    const hosts = quick ? 10 : 20;
    const hours = quick ? 4 : 26;
    // Start on an hour boundary + 7s, so no sample sits exactly on a query window edge.
    const start = Math.floor(Date.now() / HOUR) * HOUR - hours * HOUR + 7_000;
    const data = generate(hosts, hours, start);
    log(`dataset: ${data.series.length} series × ${data.times.length} scrapes = ${data.samples} samples`);

    const inProc = appendInProcess(data, quick ? 2 : 3);
    rows.push({
      name: 'append, in-process head (1 core)',
      value: inProc.rate,
      unit: 'samples/s',
      better: 'higher',
      goal: { value: 1_000_000 },
    });
    rows.push({
      name: 'chunk encoding, node-exporter-like',
      value: inProc.bytesPerSample,
      unit: 'bytes/sample',
      better: 'lower',
      goal: { value: 1.4 },
    });

    const dir = mkdtempSync(join(tmpdir(), 'parley-bench-metrics-'));
    const storage = new Storage({ dir });
    const app = Fastify({ bodyLimit: 64 * 1024 * 1024 });
    await app.register(metricsApi, { storage, resolveTenant: () => 'bench' });
    const parleyUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    const prom: PrometheusPeer | undefined = await startPrometheus(log);
    try {
      if (prom) log(`peer: Prometheus ${prom.version} at ${prom.url}`);
      const sent = await sendAll(prom ? [parleyUrl, prom.url] : [parleyUrl], data);
      const [ourSeconds, peerSeconds] = sent.seconds;
      rows.push({
        name: `remote write ingest (${sent.requests} requests, sequential)`,
        value: data.samples / ourSeconds!,
        unit: 'samples/s',
        better: 'higher',
        peer: peerSeconds ? { name: 'prometheus', value: data.samples / peerSeconds } : undefined,
        goal: prom ? { ratio: 1 } : undefined,
        note: 'Parley server runs in the bench process (shares its core with the client)',
      });

      // Disk: both databases write everything they hold as blocks (Prometheus: admin snapshot).
      const db = storage.tenant('bench');
      const end = data.times[data.times.length - 1]! + 1;
      db.maintain(end);
      const snapDir = join(dir, 'snapshot');
      const head = db.head;
      writeBlock(
        snapDir,
        [...head.allSeries()].map((s) => ({
          labels: s.labels,
          samples: head.samples(s.ref, -Infinity, Infinity),
        })),
        { minTime: head.minT, maxTime: head.maxT + 1 },
      );
      const ourBytes = du(snapDir) + du(join(dir, 'bench', 'blocks'));
      let peerBytes: number | undefined;
      if (prom) {
        const res = await fetch(`${prom.url}/api/v1/admin/tsdb/snapshot`, { method: 'POST' });
        const name = ((await res.json()) as { data: { name: string } }).data.name;
        peerBytes = du(join(prom.dataDir, 'snapshots', name));
      }
      rows.push({
        name: 'bytes on disk per sample (blocks: chunks + index)',
        value: ourBytes / data.samples,
        unit: 'bytes/sample',
        better: 'lower',
        peer: peerBytes ? { name: 'prometheus', value: peerBytes / data.samples } : undefined,
        goal: { value: 1.4 },
      });

      const queryTime = Math.floor((end - 60_000) / 60_000) * 60_000;
      const cases: QueryCase[] = [
        { name: 'selector', query: 'node_load1' },
        { name: 'rate', query: 'rate(node_network_receive_bytes_total[5m])' },
        { name: 'sum by rate', query: 'sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m]))' },
        {
          name: 'histogram_quantile',
          query: 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket[5m])))',
        },
        {
          name: 'range 1h step 1m, sum by rate',
          query: 'sum by (instance) (rate(node_cpu_seconds_total[5m]))',
          range: { span: HOUR, step: 60_000 },
        },
        {
          name: `long range ${hours - 1}h step 1h, max_over_time`,
          query: 'max_over_time(node_load1[1h])',
          range: { span: (hours - 1) * HOUR, step: HOUR },
        },
      ];
      const iterations = quick ? 15 : 40;
      let agreed = 0;
      let compared = 0;
      for (const q of cases) {
        const ours: number[] = [];
        const theirs: number[] = [];
        let a: PromResult = [];
        let b: PromResult = [];
        for (let i = 0; i < iterations; i++) {
          const r = await runQuery(parleyUrl, q, queryTime);
          ours.push(r.ms);
          a = r.result;
          if (prom) {
            const p = await runQuery(prom.url, q, queryTime);
            theirs.push(p.ms);
            b = p.result;
          }
        }
        let note = `${a.length} series`;
        if (prom) {
          compared++;
          const diff = difference(a, b);
          if (!diff) agreed++;
          else log(`${q.name}: answers differ, first at ${diff}`);
          note += diff ? ', values differ from Prometheus' : ', same values as Prometheus';
        }
        rows.push({
          name: `query p50: ${q.name}`,
          value: median(ours),
          unit: 'ms',
          better: 'lower',
          peer: prom ? { name: 'prometheus', value: median(theirs) } : undefined,
          goal: prom ? { ratio: 1 } : undefined,
          note,
        });
      }
      if (prom) log(`values agree on ${agreed}/${compared} queries`);
    } finally {
      await app.close();
      storage.close();
      await prom?.stop();
      rmSync(dir, { recursive: true, force: true });
    }
    return rows;
  },
};

export default suite;
