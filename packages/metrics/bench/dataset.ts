/**
 * A node-exporter-like dataset: per host ~86 series scraped every 15s. CPU seconds with two
 * decimals, byte counters, slowly moving memory/filesystem gauges (4 KiB pages), constant
 * series (sizes, info, `up`), load averages and an HTTP latency histogram, with the rare
 * millisecond of scrape jitter real scrapes have. Values are generated in time order.
 */
import { type Labels, labelsFromRecord } from '../src/labels.js';

export interface Dataset {
  series: Labels[];
  /** Timestamps of each scrape (ms). */
  times: number[];
  /** values[scrape][series]. */
  values: Float64Array[];
  samples: number;
}

/** Deterministic PRNG (mulberry32) so both databases and runs see the same data. */
export function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Step = (prev: number, r: () => number) => number;

interface SeriesModel {
  labels: Record<string, string>;
  start: number;
  step: Step;
}

const round2 = (v: number) => Math.round(v * 100) / 100;
const page = (v: number) => Math.round(v / 4096) * 4096;
const constant: Step = (p) => p;

function hostSeries(host: string): SeriesModel[] {
  const out: SeriesModel[] = [];
  const base = { instance: `${host}:9100`, job: 'node' };
  const cpuModes: [string, number][] = [
    ['idle', 13.5],
    ['user', 1.0],
    ['system', 0.4],
    ['iowait', 0.05],
    ['irq', 0],
    ['softirq', 0.02],
    ['steal', 0],
    ['nice', 0],
  ];
  for (let cpu = 0; cpu < 4; cpu++)
    for (const [mode, rate] of cpuModes)
      out.push({
        labels: { ...base, __name__: 'node_cpu_seconds_total', cpu: String(cpu), mode },
        start: round2(rate * 100_000),
        step: rate === 0 ? constant : (p, r) => round2(p + rate * (0.8 + r() * 0.4)),
      });
  const mem = (name: string, start: number, drift: number): SeriesModel => ({
    labels: { ...base, __name__: name },
    start,
    step: drift === 0 ? constant : (p, r) => (r() < 0.3 ? page(p + (r() - 0.5) * drift) : p),
  });
  out.push(
    mem('node_memory_MemTotal_bytes', 16_777_216_000, 0),
    mem('node_memory_MemAvailable_bytes', 9_000_000_000, 8_000_000),
    mem('node_memory_MemFree_bytes', 2_000_000_000, 8_000_000),
    mem('node_memory_Cached_bytes', 5_000_000_000, 2_000_000),
    mem('node_memory_Buffers_bytes', 300_000_000, 200_000),
    mem('node_memory_SwapTotal_bytes', 2_147_483_648, 0),
  );
  for (const mountpoint of ['/', '/var', '/home']) {
    const fs = { ...base, device: 'sda1', fstype: 'ext4', mountpoint };
    out.push(
      { labels: { ...fs, __name__: 'node_filesystem_size_bytes' }, start: 107_374_182_400, step: constant },
      {
        labels: { ...fs, __name__: 'node_filesystem_avail_bytes' },
        start: 50_000_000_000,
        step: (p, r) => (r() < 0.2 ? page(p - r() * 100_000) : p),
      },
      { labels: { ...fs, __name__: 'node_filesystem_files' }, start: 6_553_600, step: constant },
      {
        labels: { ...fs, __name__: 'node_filesystem_files_free' },
        start: 6_000_000,
        step: (p, r) => (r() < 0.1 ? p - 1 : p),
      },
    );
  }
  for (const device of ['eth0', 'lo']) {
    const net = { ...base, device };
    const bytes = device === 'eth0' ? 150_000 : 2_000;
    out.push(
      {
        labels: { ...net, __name__: 'node_network_receive_bytes_total' },
        start: 1e9,
        step: (p, r) => p + Math.round(bytes * (0.5 + r())),
      },
      {
        labels: { ...net, __name__: 'node_network_transmit_bytes_total' },
        start: 5e8,
        step: (p, r) => p + Math.round(bytes * 0.6 * (0.5 + r())),
      },
      {
        labels: { ...net, __name__: 'node_network_receive_packets_total' },
        start: 1e6,
        step: (p, r) => p + Math.round((bytes / 900) * (0.5 + r())),
      },
      {
        labels: { ...net, __name__: 'node_network_transmit_packets_total' },
        start: 8e5,
        step: (p, r) => p + Math.round((bytes / 1200) * (0.5 + r())),
      },
      { labels: { ...net, __name__: 'node_network_receive_errs_total' }, start: 0, step: constant },
      { labels: { ...net, __name__: 'node_network_receive_drop_total' }, start: 3, step: constant },
    );
  }
  for (const device of ['sda', 'sdb']) {
    const disk = { ...base, device };
    out.push(
      {
        labels: { ...disk, __name__: 'node_disk_read_bytes_total' },
        start: 3e9,
        step: (p, r) => (r() < 0.5 ? p + 4096 * Math.floor(r() * 64) : p),
      },
      {
        labels: { ...disk, __name__: 'node_disk_written_bytes_total' },
        start: 9e9,
        step: (p, r) => p + 4096 * Math.floor(r() * 200),
      },
      {
        labels: { ...disk, __name__: 'node_disk_io_time_seconds_total' },
        start: 12_345.678,
        step: (p, r) => Math.round((p + r() * 0.2) * 1000) / 1000,
      },
    );
  }
  for (const [name, level] of [
    ['node_load1', 0.8],
    ['node_load5', 0.7],
    ['node_load15', 0.6],
  ] as const)
    out.push({
      labels: { ...base, __name__: name },
      start: level,
      step: (p, r) => Math.max(0, round2(p + (r() - 0.5) * 0.1)),
    });
  const app = { instance: `${host}:8080`, job: 'api', handler: '/v1/chat' };
  const bounds = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '+Inf'];
  const share = [0.02, 0.05, 0.15, 0.35, 0.6, 0.85, 0.95, 0.99, 0.999, 1];
  for (const [i, le] of bounds.entries())
    out.push({
      labels: { ...app, __name__: 'http_request_duration_seconds_bucket', le },
      start: Math.round(100_000 * share[i]!),
      // Buckets move together: the same request count spread by the cumulative share.
      step: (p, r) => p + Math.round(20 * share[i]! * (0.9 + r() * 0.2)),
    });
  out.push(
    {
      labels: { ...app, __name__: 'http_request_duration_seconds_count' },
      start: 100_000,
      step: (p, r) => p + Math.round(20 * (0.9 + r() * 0.2)),
    },
    {
      labels: { ...app, __name__: 'http_request_duration_seconds_sum' },
      start: 8_000.5,
      step: (p, r) => p + r() * 2,
    },
    { labels: { ...base, __name__: 'up' }, start: 1, step: constant },
    { labels: { ...base, __name__: 'node_boot_time_seconds' }, start: 1_699_000_000, step: constant },
    {
      labels: { ...base, __name__: 'node_uname_info', release: '6.1.0-18-amd64', machine: 'x86_64' },
      start: 1,
      step: constant,
    },
  );
  return out;
}

export function generate(hosts: number, hours: number, start: number, seed = 42): Dataset {
  const r = rng(seed);
  const models = Array.from({ length: hosts }, (_, h) =>
    hostSeries(`host-${String(h).padStart(3, '0')}`),
  ).flat();
  const series = models.map((m) => labelsFromRecord(m.labels));
  const scrapes = Math.floor((hours * 3600) / 15);
  const times: number[] = [];
  const values: Float64Array[] = [];
  let current = Float64Array.from(models.map((m) => m.start));
  for (let k = 0; k < scrapes; k++) {
    // Scrapes are 15s apart; about 1 in 100 is a millisecond early or late.
    const jitter = r() < 0.01 ? (r() < 0.5 ? -1 : 1) : 0;
    times.push(start + k * 15_000 + jitter);
    if (k > 0) current = current.map((v, i) => models[i]!.step(v, r));
    values.push(current);
  }
  return { series, times, values, samples: series.length * scrapes };
}
