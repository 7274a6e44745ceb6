/**
 * Write-ahead log: numbered segment files of records `[length u32][crc32 u32][type u8][payload]`.
 * Every commit is one write, so an acknowledged append survives a crash. Replay stops at the first
 * short or corrupt record (a torn tail from a crash mid-write) and truncates the segment there.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

export const RECORD_SERIES = 1;
export const RECORD_SAMPLES = 2;

const HEADER = 9;
const SEGMENT_BYTES = 64 * 1024 * 1024;

function segmentName(n: number): string {
  return String(n).padStart(8, '0');
}

export interface WalOptions {
  /** fsync after every commit (slower, survives power loss, not just process crashes). Default false. */
  fsync?: boolean;
}

export class Wal {
  private fd: number;
  private segment: number;
  private written = 0;

  private constructor(
    readonly dir: string,
    segment: number,
    private readonly options: WalOptions,
  ) {
    this.segment = segment;
    this.fd = openSync(join(dir, segmentName(segment)), 'a');
  }

  static segments(dir: string): number[] {
    if (!existsSync(dir)) return [];
    return readdirSync(dir)
      .filter((f) => /^\d{8}$/.test(f))
      .map(Number)
      .sort((a, b) => a - b);
  }

  /**
   * Reads every intact record in order, then opens the log for appending in a new segment.
   * A torn or corrupt record ends the replay of its segment and is cut off.
   */
  static open(dir: string, onRecord: (type: number, payload: Buffer) => void, options: WalOptions = {}): Wal {
    mkdirSync(dir, { recursive: true });
    const segments = Wal.segments(dir);
    for (const n of segments) {
      const path = join(dir, segmentName(n));
      const data = readFileSync(path);
      let pos = 0;
      while (pos + HEADER <= data.length) {
        const length = data.readUInt32BE(pos);
        const sum = data.readUInt32BE(pos + 4);
        const end = pos + HEADER + length;
        if (end > data.length) break;
        const body = data.subarray(pos + 8, end);
        if (crc32(body) !== sum) break;
        onRecord(body[0]!, body.subarray(1));
        pos = end;
      }
      if (pos < data.length) truncateSync(path, pos);
    }
    return new Wal(dir, (segments[segments.length - 1] ?? 0) + 1, options);
  }

  /** Appends records written into `buf` by a RecordWriter, as one write. */
  write(buf: Buffer): void {
    if (this.written > SEGMENT_BYTES) this.cut();
    writeSync(this.fd, buf);
    this.written += buf.length;
    if (this.options.fsync) fsyncSync(this.fd);
  }

  /** Starts a new segment; returns its number. Older segments can then be removed by a checkpoint. */
  cut(): number {
    closeSync(this.fd);
    this.segment++;
    this.fd = openSync(join(this.dir, segmentName(this.segment)), 'a');
    this.written = 0;
    return this.segment;
  }

  /** Deletes segments before `segment`. */
  removeBefore(segment: number): void {
    for (const n of Wal.segments(this.dir)) if (n < segment) rmSync(join(this.dir, segmentName(n)));
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Builds WAL records into one reusable buffer. */
export class RecordWriter {
  private buf = Buffer.allocUnsafe(64 * 1024);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
  private pos = 0;
  private recordStart = -1;

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(grown, 0, 0, this.pos);
    this.buf = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.length);
  }

  /** `n` samples as (u32 ref, f64 t, u32 hi, u32 lo), the body of a samples record, in one pass. */
  samples(refs: Uint32Array, ts: Float64Array, his: Uint32Array, los: Uint32Array, n: number): void {
    this.ensure(n * 20);
    const view = this.view;
    let pos = this.pos;
    for (let i = 0; i < n; i++) {
      view.setUint32(pos, refs[i]!, true);
      view.setFloat64(pos + 4, ts[i]!, true);
      view.setUint32(pos + 12, his[i]!, true);
      view.setUint32(pos + 16, los[i]!, true);
      pos += 20;
    }
    this.pos = pos;
  }

  begin(type: number): void {
    this.ensure(HEADER);
    this.recordStart = this.pos;
    this.pos += 8;
    this.buf[this.pos++] = type;
  }

  end(): void {
    const start = this.recordStart;
    const body = this.buf.subarray(start + 8, this.pos);
    this.buf.writeUInt32BE(body.length - 1, start);
    this.buf.writeUInt32BE(crc32(body), start + 4);
    this.recordStart = -1;
  }

  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.pos);
    this.pos += 4;
  }

  f64(v: number): void {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.pos);
    this.pos += 8;
  }

  string(s: string): void {
    const len = Buffer.byteLength(s);
    this.ensure(4 + len);
    this.buf.writeUInt32LE(len, this.pos);
    this.buf.write(s, this.pos + 4);
    this.pos += 4 + len;
  }

  get length(): number {
    return this.pos;
  }

  take(): Buffer {
    const out = this.buf.subarray(0, this.pos);
    this.pos = 0;
    return out;
  }
}

/** Sequential reader of one record's payload. */
export class RecordReader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}
  get done(): boolean {
    return this.pos >= this.buf.length;
  }
  u32(): number {
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }
  f64(): number {
    const v = this.buf.readDoubleLE(this.pos);
    this.pos += 8;
    return v;
  }
  string(): string {
    const len = this.u32();
    const s = this.buf.toString('utf8', this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}
