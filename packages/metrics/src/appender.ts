/**
 * A batch of samples committed all-or-nothing: samples are staged in typed arrays, checked
 * against the head (order, duplicates) at commit, logged to the WAL in one write, then applied.
 * A rejected batch changes nothing, which is what remote write's "400, nothing written" needs.
 */
import { AppendError, type Head } from './head.js';
import type { Labels } from './labels.js';
import { labelsKey } from './labels.js';
import { RECORD_SAMPLES, RECORD_SERIES, RecordWriter, type Wal } from './wal/wal.js';

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);

export class Appender {
  private refs = new Uint32Array(1024);
  private ts = new Float64Array(1024);
  private his = new Uint32Array(1024);
  private los = new Uint32Array(1024);
  private n = 0;
  private readonly newSeries: number[] = [];
  private readonly records = new RecordWriter();

  constructor(
    private readonly head: Head,
    private readonly wal: Wal | undefined,
  ) {}

  /** Ref for a label set (sorted, validated), creating the series within the head's limits. */
  ref(labels: Labels, key = labelsKey(labels)): number {
    const { ref, created } = this.head.getOrCreate(labels, key);
    if (created) this.newSeries.push(ref);
    return ref;
  }

  append(ref: number, t: number, v: number): void {
    f64[0] = v;
    this.appendBits(ref, t, u32[1]!, u32[0]!);
  }

  appendBits(ref: number, t: number, hi: number, lo: number): void {
    if (this.n === this.refs.length) this.grow();
    const i = this.n++;
    this.refs[i] = ref;
    this.ts[i] = t;
    this.his[i] = hi;
    this.los[i] = lo;
  }

  get pending(): number {
    return this.n;
  }

  private grow(): void {
    const size = this.refs.length * 2;
    const refs = new Uint32Array(size);
    const ts = new Float64Array(size);
    const his = new Uint32Array(size);
    const los = new Uint32Array(size);
    refs.set(this.refs);
    ts.set(this.ts);
    his.set(this.his);
    los.set(this.los);
    this.refs = refs;
    this.ts = ts;
    this.his = his;
    this.los = los;
  }

  /** Throws AppendError (and keeps nothing) if any staged sample would be rejected. */
  commit(): number {
    const n = this.n;
    try {
      this.validate();
      if (this.wal) this.wal.write(this.encode());
      for (let i = 0; i < n; i++) {
        try {
          this.head.appendBits(this.refs[i]!, this.ts[i]!, this.his[i]!, this.los[i]!);
        } catch (error) {
          // Only a repeated timestamp inside this batch can still fail here; the first sample wins.
          if (!(error instanceof AppendError)) throw error;
        }
      }
      return n;
    } finally {
      this.n = 0;
      this.newSeries.length = 0;
    }
  }

  rollback(): void {
    this.n = 0;
    this.newSeries.length = 0;
  }

  private validate(): void {
    const window = this.head.outOfOrderWindowMs;
    const latest = new Map<number, number>();
    for (let i = 0; i < this.n; i++) {
      const ref = this.refs[i]!;
      const t = this.ts[i]!;
      const s = this.head.memSeries(ref);
      const max = Math.max(latest.get(ref) ?? Number.NEGATIVE_INFINITY, s?.maxT ?? Number.NEGATIVE_INFINITY);
      if (t < max && max - t > window)
        throw new AppendError(
          'out_of_order',
          `out of order sample: timestamp ${t} is older than the series' newest ${max}`,
        );
      if (s && t === s.maxT) {
        f64[0] = s.lastValue;
        if (u32[1] !== this.his[i] || u32[0] !== this.los[i])
          throw new AppendError(
            'duplicate_timestamp',
            `duplicate sample for timestamp ${t} with a different value`,
          );
      }
      if (t > max) latest.set(ref, t);
    }
  }

  private encode(): Buffer {
    const w = this.records;
    for (const ref of this.newSeries) {
      const labels = this.head.series(ref)!;
      w.begin(RECORD_SERIES);
      w.u32(ref);
      w.u32(labels.length);
      for (const l of labels) {
        w.string(l.name);
        w.string(l.value);
      }
      w.end();
    }
    if (this.n > 0) {
      w.begin(RECORD_SAMPLES);
      w.u32(this.n);
      w.samples(this.refs, this.ts, this.his, this.los, this.n);
      w.end();
    }
    return w.take();
  }
}
