/**
 * A pull scraper: fetches targets' `/metrics` on an interval, parses the exposition, adds `job`
 * and `instance`, applies metric relabelling, writes `up` and the scrape meta series, and marks
 * series that disappeared (or all series of a failed target) stale, as Prometheus does.
 */
import type { Clock } from '@parley/kit';
import { STALE_NAN_HI, STALE_NAN_LO } from '../chunkenc/xor.js';
import { type Label, type Labels, labelsKey, METRIC_NAME, validateLabels } from '../labels.js';
import type { Tsdb } from '../tsdb.js';
import { parseExposition } from './exposition.js';

export interface RelabelRule {
  action?: 'replace' | 'keep' | 'drop' | 'labeldrop' | 'labelkeep';
  sourceLabels?: string[];
  separator?: string;
  regex?: string;
  targetLabel?: string;
  replacement?: string;
}

export interface ScrapeConfig {
  jobName: string;
  /** Full URLs, e.g. `http://127.0.0.1:3000/metrics`. */
  targets: string[];
  intervalMs?: number;
  timeoutMs?: number;
  /** Keep `job`/`instance` (and other clashing labels) from the scraped data. Default false. */
  honorLabels?: boolean;
  /** Extra labels for every series of this job. */
  labels?: Record<string, string>;
  /** Applied to every scraped series (Prometheus's metric_relabel_configs). */
  metricRelabel?: RelabelRule[];
}

export interface ScrapeResult {
  up: boolean;
  samples: number;
  error?: string;
}

/** Parley scraping itself: its own `/metrics` endpoint every 15s. */
export function selfScrapeConfig(baseUrl: string): ScrapeConfig {
  return {
    jobName: 'parley',
    targets: [new URL('/metrics', baseUrl).href],
    intervalMs: 15_000,
    timeoutMs: 10_000,
  };
}

/** Applies relabel rules; returns undefined when the series is dropped. */
export function relabel(labels: Labels, rules: readonly RelabelRule[]): Labels | undefined {
  let current = new Map(labels.map((l) => [l.name, l.value]));
  for (const rule of rules) {
    const action = rule.action ?? 'replace';
    const re = new RegExp(`^(?:${rule.regex ?? '(.*)'})$`, 's');
    if (action === 'labeldrop' || action === 'labelkeep') {
      current = new Map([...current].filter(([name]) => re.test(name) === (action === 'labelkeep')));
      continue;
    }
    const source = (rule.sourceLabels ?? []).map((n) => current.get(n) ?? '').join(rule.separator ?? ';');
    const match = re.exec(source);
    if (action === 'keep' && !match) return undefined;
    if (action === 'drop' && match) return undefined;
    if (action === 'replace' && match && rule.targetLabel) {
      const value = (rule.replacement ?? '$1').replace(
        /\$(\d+)|\$\{(\d+)\}/g,
        (_, a?: string, b?: string) => match[Number(a ?? b)] ?? '',
      );
      if (value === '') current.delete(rule.targetLabel);
      else current.set(rule.targetLabel, value);
    }
  }
  return [...current]
    .map(([name, value]) => ({ name, value }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const ACCEPT = 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.3,*/*;q=0.1';

/**
 * How a target is fetched: `fetch` by default. A server scraping its own `/metrics` can answer
 * in-process instead (no listening address needed, no socket).
 */
export type Fetcher = (
  url: string,
  init: { headers: Record<string, string>; signal: AbortSignal },
) => Promise<Response>;

export class Scraper {
  private readonly timers: NodeJS.Timeout[] = [];
  /** Series written by the previous scrape of each target, to mark the vanished ones stale. */
  private readonly previous = new Map<string, Map<string, Labels>>();

  constructor(
    private readonly db: Tsdb,
    private readonly configs: readonly ScrapeConfig[],
    private readonly clock: Clock = { now: () => Date.now() },
    private readonly fetcher: Fetcher = fetch,
  ) {}

  start(): void {
    for (const config of this.configs) {
      const interval = config.intervalMs ?? 15_000;
      for (const target of config.targets) {
        const timer = setInterval(() => void this.scrape(config, target), interval);
        timer.unref();
        this.timers.push(timer);
        void this.scrape(config, target);
      }
    }
  }

  stop(): void {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
  }

  async scrape(config: ScrapeConfig, target: string): Promise<ScrapeResult> {
    const started = this.clock.now();
    const instance = new URL(target).host;
    const targetLabels: Label[] = [
      { name: 'instance', value: instance },
      { name: 'job', value: config.jobName },
      ...Object.entries(config.labels ?? {}).map(([name, value]) => ({ name, value })),
    ];
    const now = this.clock.now();
    const seen = new Map<string, Labels>();
    let result: ScrapeResult;
    const app = this.db.appender();
    try {
      const res = await this.fetcher(target, {
        headers: { accept: ACCEPT },
        signal: AbortSignal.timeout(config.timeoutMs ?? 10_000),
      });
      if (!res.ok) throw new Error(`server returned HTTP status ${res.status} ${res.statusText}`);
      const body = await res.text();
      const openMetrics = (res.headers.get('content-type') ?? '').startsWith('application/openmetrics-text');
      const exposition = parseExposition(body, openMetrics);
      let written = 0;
      for (const s of exposition.samples) {
        const labels = relabel(
          this.withTarget(s.labels, targetLabels, config.honorLabels ?? false),
          config.metricRelabel ?? [],
        );
        if (!labels || validateLabels(labels)) continue;
        const key = labelsKey(labels);
        if (seen.has(key)) continue;
        seen.set(key, labels);
        app.append(app.ref(labels, key), s.timestamp ?? now, s.value);
        written++;
      }
      for (const [name, meta] of exposition.metadata) this.db.metadata.set(name, meta);
      result = { up: true, samples: written };
    } catch (error) {
      app.rollback();
      result = { up: false, samples: 0, error: (error as Error).message };
      seen.clear();
    }
    this.markStale(app, target, seen, now);
    const meta: [string, number][] = [
      ['up', result.up ? 1 : 0],
      ['scrape_duration_seconds', (this.clock.now() - started) / 1000],
      ['scrape_samples_scraped', result.samples],
    ];
    for (const [name, value] of meta) {
      const labels = [...targetLabels, { name: METRIC_NAME, value: name }].sort((a, b) =>
        a.name < b.name ? -1 : 1,
      );
      app.append(app.ref(labels), now, value);
    }
    try {
      app.commit();
    } catch (error) {
      result = { up: false, samples: 0, error: (error as Error).message };
    }
    return result;
  }

  private withTarget(labels: Labels, target: Label[], honor: boolean): Labels {
    const out = new Map(labels.map((l) => [l.name, l.value]));
    for (const t of target) {
      const existing = out.get(t.name);
      if (existing !== undefined && honor) continue;
      if (existing !== undefined) out.set(`exported_${t.name}`, existing);
      out.set(t.name, t.value);
    }
    return [...out]
      .map(([name, value]) => ({ name, value }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private markStale(
    app: ReturnType<Tsdb['appender']>,
    target: string,
    seen: Map<string, Labels>,
    now: number,
  ): void {
    const before = this.previous.get(target);
    if (before) {
      for (const [key, labels] of before)
        if (!seen.has(key)) app.appendBits(app.ref(labels, key), now, STALE_NAN_HI, STALE_NAN_LO);
    }
    this.previous.set(target, seen);
  }
}
