/**
 * One tenant's time-series database: the in-memory head, its write-ahead log, and (when a
 * directory is given) the on-disk blocks and rollups cut from the head over time.
 */
import { join } from 'node:path';
import { Appender } from './appender.js';
import { Head, type HeadOptions } from './head.js';
import type { MetricMetadata } from './ingest/remote-write.js';
import type { Label } from './labels.js';
import { MergeQuerier, type Querier } from './querier.js';
import { RECORD_SAMPLES, RECORD_SERIES, RecordReader, Wal, type WalOptions } from './wal/wal.js';

export interface TsdbOptions extends HeadOptions {
  /** Directory for the WAL and blocks; without it the database lives in memory only. */
  dir?: string;
  wal?: WalOptions;
}

export class Tsdb {
  readonly head: Head;
  /** Metric family metadata (type, help, unit) from remote write, scrapes and OTLP. */
  readonly metadata = new Map<string, MetricMetadata>();
  private readonly wal: Wal | undefined;

  private constructor(
    readonly options: TsdbOptions,
    head: Head,
    wal: Wal | undefined,
  ) {
    this.head = head;
    this.wal = wal;
  }

  /** Opens (or creates) a database; with a directory, replays the WAL into the head. */
  static open(options: TsdbOptions = {}): Tsdb {
    const head = new Head(options);
    let wal: Wal | undefined;
    if (options.dir)
      wal = Wal.open(join(options.dir, 'wal'), (type, payload) => replay(head, type, payload), options.wal);
    return new Tsdb(options, head, wal);
  }

  appender(): Appender {
    return new Appender(this.head, this.wal);
  }

  querier(): Querier {
    return new MergeQuerier([this.head]);
  }

  close(): void {
    this.wal?.close();
  }
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
