/**
 * One tenant's time-series database: the in-memory head, its write-ahead log, and (when a
 * directory is given) the on-disk blocks and rollups cut from the head over time, compacted
 * and expired by `maintain()`.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Appender } from './appender.js';
import { Block, type BlockInput, removeBlock, writeBlock } from './block.js';
import { compactBlocks, planCompaction } from './compact.js';
import { Head, type HeadOptions } from './head.js';
import type { MetricMetadata } from './ingest/remote-write.js';
import { LabelBytesCache } from './ingest/series-cache.js';
import type { Label } from './labels.js';
import { DirLock } from './lock.js';
import type { Querier } from './querier.js';
import { DEFAULT_RETENTION, expiredBlocks, type RetentionPolicy } from './retention.js';
import { RESOLUTION_1H, RESOLUTION_5M, rollup } from './rollup.js';
import { TieredQuerier } from './tiered-querier.js';
import {
  RECORD_SAMPLES,
  RECORD_SERIES,
  RecordReader,
  RecordWriter,
  Wal,
  type WalOptions,
} from './wal/wal.js';

export interface TsdbOptions extends HeadOptions {
  /** Directory for the WAL and blocks; without it the database lives in memory only. */
  dir?: string;
  wal?: WalOptions;
  /** Time range of a block cut from the head. Default 2h. */
  blockDurationMs?: number;
  /** Range blocks are compacted into. Default 24h. */
  compactionRangeMs?: number;
  retention?: Partial<RetentionPolicy>;
}

export type Tier = 'raw' | '5m' | '1h';
const TIERS: Tier[] = ['raw', '5m', '1h'];
const TIER_DIRS: Record<Tier, string> = { raw: 'blocks', '5m': 'rollup-5m', '1h': 'rollup-1h' };

export class Tsdb {
  readonly head: Head;
  /** Metric family metadata (type, help, unit) from remote write, scrapes and OTLP. */
  readonly metadata = new Map<string, MetricMetadata>();
  /** Remote-write series seen before, by the raw bytes of their labels. */
  readonly seriesCache = new LabelBytesCache();
  readonly blockDurationMs: number;
  readonly compactionRangeMs: number;
  readonly retention: RetentionPolicy;
  private readonly wal: Wal | undefined;
  private readonly lock: DirLock | undefined;
  private readonly tiers: Record<Tier, Block[]> = { raw: [], '5m': [], '1h': [] };

  private constructor(
    readonly options: TsdbOptions,
    head: Head,
    wal: Wal | undefined,
    lock: DirLock | undefined,
  ) {
    this.head = head;
    this.wal = wal;
    this.lock = lock;
    this.blockDurationMs = options.blockDurationMs ?? 2 * 3600_000;
    this.compactionRangeMs = options.compactionRangeMs ?? 24 * 3600_000;
    this.retention = { ...DEFAULT_RETENTION, ...options.retention };
    if (options.dir)
      for (const tier of TIERS) this.tiers[tier] = loadBlocks(join(options.dir, TIER_DIRS[tier]));
  }

  /**
   * Opens (or creates) a database; with a directory, locks it (DirLockError if another process
   * or another open database holds it), loads its blocks and replays the WAL.
   */
  static open(options: TsdbOptions = {}): Tsdb {
    const head = new Head(options);
    if (!options.dir) return new Tsdb(options, head, undefined, undefined);
    const lock = new DirLock(options.dir);
    let wal: Wal | undefined;
    try {
      wal = Wal.open(join(options.dir, 'wal'), (type, payload) => replay(head, type, payload), options.wal);
      return new Tsdb(options, head, wal, lock);
    } catch (error) {
      wal?.close();
      lock.release();
      throw error;
    }
  }

  appender(): Appender {
    return new Appender(this.head, this.wal);
  }

  querier(): Querier {
    return new TieredQuerier([...this.tiers.raw, this.head], this.tiers['5m'], this.tiers['1h']);
  }

  blocks(tier: Tier = 'raw'): readonly Block[] {
    return this.tiers[tier];
  }

  /** Cuts blocks from the head, compacts, and applies retention. Run periodically. */
  maintain(now: number): void {
    if (!this.options.dir) return;
    this.cutBlocks();
    for (const tier of TIERS) this.compact(tier);
    this.applyRetention(now);
  }

  /**
   * Moves the oldest block range out of the head once the head spans 1.5 block durations
   * (as Prometheus does), writing the raw block and its 5m and 1h rollups, then checkpoints the WAL.
   */
  cutBlocks(): number {
    const dir = this.options.dir;
    if (!dir) return 0;
    const d = this.blockDurationMs;
    let cut = 0;
    while (this.head.numSeries > 0 && this.head.maxT - this.head.minT > d * 1.5) {
      const minTime = Math.floor(this.head.minT / d) * d;
      const maxTime = minTime + d;
      const series: BlockInput[] = [];
      for (const s of this.head.allSeries()) {
        const samples = this.head.samples(s.ref, minTime, maxTime - 1);
        if (samples.length > 0) series.push({ labels: s.labels, samples });
      }
      this.addBlock('raw', writeBlock(join(dir, TIER_DIRS.raw), series, { minTime, maxTime }).id);
      for (const [tier, resolution] of [
        ['5m', RESOLUTION_5M],
        ['1h', RESOLUTION_1H],
      ] as const) {
        const meta = writeBlock(join(dir, TIER_DIRS[tier]), rollup(series, resolution), {
          minTime,
          maxTime,
          resolution,
        });
        this.addBlock(tier, meta.id);
      }
      this.head.truncate(maxTime);
      this.seriesCache.clear();
      cut++;
    }
    if (cut > 0) this.checkpoint();
    return cut;
  }

  private addBlock(tier: Tier, id: string): void {
    this.tiers[tier].push(new Block(join(this.options.dir!, TIER_DIRS[tier], id)));
    this.tiers[tier].sort((a, b) => a.meta.minTime - b.meta.minTime);
  }

  /** Rewrites the WAL as the head's current content and drops the older segments. */
  private checkpoint(): void {
    if (!this.wal) return;
    const segment = this.wal.cut();
    const w = new RecordWriter();
    for (const s of this.head.allSeries()) {
      w.begin(RECORD_SERIES);
      w.u32(s.ref);
      w.u32(s.labels.length);
      for (const l of s.labels) {
        w.string(l.name);
        w.string(l.value);
      }
      w.end();
      const b = this.head.samples(s.ref, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY);
      w.begin(RECORD_SAMPLES);
      w.u32(b.length);
      for (let i = 0; i < b.length; i++) {
        w.u32(s.ref);
        w.f64(b.t[i]!);
        w.u32(b.hiAt(i));
        w.u32(b.loAt(i));
      }
      w.end();
    }
    this.wal.write(w.take());
    this.wal.removeBefore(segment);
  }

  private compact(tier: Tier): void {
    const dir = join(this.options.dir!, TIER_DIRS[tier]);
    const blocks = this.tiers[tier];
    const newest = Math.max(this.head.maxT, ...blocks.map((b) => b.meta.maxTime));
    for (const group of planCompaction(blocks, this.compactionRangeMs, newest)) {
      const merged = compactBlocks(dir, group, this.compactionRangeMs);
      this.tiers[tier] = [...this.tiers[tier].filter((b) => !group.includes(b)), merged].sort(
        (a, b) => a.meta.minTime - b.meta.minTime,
      );
    }
  }

  private applyRetention(now: number): void {
    const keep: Record<Tier, number> = {
      raw: this.retention.rawMs,
      '5m': this.retention.rollup5mMs,
      '1h': this.retention.rollup1hMs,
    };
    for (const tier of TIERS) {
      const expired = expiredBlocks(this.tiers[tier], now, keep[tier]);
      for (const b of expired) removeBlock(b);
      this.tiers[tier] = this.tiers[tier].filter((b) => !expired.includes(b));
    }
  }

  close(): void {
    this.wal?.close();
    this.lock?.release();
  }
}

function loadBlocks(dir: string): Block[] {
  if (!existsSync(dir)) {
    mkdirSync(dir, { recursive: true });
    return [];
  }
  const blocks: Block[] = [];
  for (const entry of readdirSync(dir)) {
    // A .tmp directory is a block whose write was interrupted: never visible, removed here.
    if (entry.endsWith('.tmp')) rmSync(join(dir, entry), { recursive: true, force: true });
    else blocks.push(new Block(join(dir, entry)));
  }
  return blocks.sort((a, b) => a.meta.minTime - b.meta.minTime);
}

function replay(head: Head, type: number, payload: Buffer): void {
  const r = new RecordReader(payload);
  if (type === RECORD_SERIES) {
    const ref = r.u32();
    const n = r.u32();
    const labels: Label[] = [];
    for (let i = 0; i < n; i++) labels.push({ name: r.string(), value: r.string() });
    head.restoreSeries(ref, labels);
  } else if (type === RECORD_SAMPLES) {
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      const ref = r.u32();
      const t = r.f64();
      const hi = r.u32();
      const lo = r.u32();
      try {
        head.appendBits(ref, t, hi, lo);
      } catch {
        // Already applied (duplicate) or refused: replay keeps what the original run kept.
      }
    }
  }
}
