import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import type { CommandSpec } from '../commands/command.js';
import { keyPositions } from '../commands/command.js';
import type { Database } from '../keyspace/db.js';
import type { Value } from '../keyspace/value.js';
import { encodeEntry, header, selectRecord, trailer } from './snapshot.js';

/** Serialized bytes per step before yielding to the event loop. */
const STEP_BYTES = 1 << 20;

/**
 * A point-in-time snapshot written while the server keeps serving (Node has no fork()).
 *
 * Consistency: at the start, each database's dictionary and expires are shallow-copied (one
 * Map copy, no values copied). Strings are immutable, so the copies already hold their values
 * as of that instant. Collections are mutable: every one of them is "pending" until written,
 * and before any write command runs, the keys it names (from the command table) are checked:
 * if one holds a pending collection, that collection is serialized first, so the snapshot
 * records it as it was before the write (copy-on-write at key granularity). Records may thus
 * come out of key order; the format does not depend on order.
 */
export class SnapshotJob {
  private readonly copies: { db: Database; dict: Map<string, Value>; expires: Map<string, number> }[];
  private readonly pending = new Map<Value, { db: number; key: string; expireAt: number | undefined }>();
  private readonly fd: number;
  private crc = 0;
  private written = 0;
  private dbIndex = 0;
  private iterator: Iterator<[string, Value]> | null = null;
  private finished = false;
  private readonly startedAt: number;

  constructor(
    dbs: Database[],
    private readonly path: string,
    now: number,
    private readonly onDone: (error: Error | null, bytes: number) => void,
  ) {
    this.startedAt = now;
    this.copies = dbs
      .filter((db) => db.size > 0)
      .map((db) => ({ db, dict: new Map(db.dict), expires: new Map(db.expires) }));
    for (const copy of this.copies)
      for (const [key, value] of copy.dict)
        if (typeof value !== 'string')
          this.pending.set(value, { db: copy.db.id, key, expireAt: copy.expires.get(key) });
    this.fd = openSync(path, 'w');
    this.emit(header());
  }

  get target(): string {
    return this.path;
  }

  /** Called by the dispatcher before a write command: dump what it is about to change. */
  beforeWrite(db: Database, spec: CommandSpec, argv: string[]): void {
    if (this.pending.size === 0) return;
    for (const position of keyPositions(spec, argv)) {
      const value = db.dict.get(argv[position]!);
      if (value === undefined || typeof value === 'string') continue;
      const record = this.pending.get(value);
      if (!record) continue;
      this.pending.delete(value);
      this.emit(selectRecord(record.db) + encodeEntry(record.key, value, record.expireAt));
      // The sequential walk resumes in its own db, so it must select it again.
      if (this.iterator) this.emit(selectRecord(this.copies[this.dbIndex]!.db.id));
    }
  }

  /** Serializes the next chunk; returns true when everything has been written. */
  step(): boolean {
    let chunk = '';
    while (chunk.length < STEP_BYTES && this.dbIndex < this.copies.length) {
      const copy = this.copies[this.dbIndex]!;
      if (this.iterator === null) {
        this.iterator = copy.dict.entries();
        chunk += selectRecord(copy.db.id);
      }
      const next = this.iterator.next();
      if (next.done) {
        this.iterator = null;
        this.dbIndex++;
        continue;
      }
      const [key, value] = next.value;
      const expireAt = copy.expires.get(key);
      if (expireAt !== undefined && expireAt <= this.startedAt) continue;
      if (typeof value !== 'string') {
        if (!this.pending.delete(value)) continue; // already written before a write touched it
      }
      chunk += encodeEntry(key, value, expireAt);
    }
    if (chunk) this.emit(chunk);
    return this.dbIndex >= this.copies.length;
  }

  /** Runs the job to completion across event-loop turns. */
  runInBackground(): void {
    const tick = () => {
      try {
        if (this.step()) this.finish(null);
        else setImmediate(tick);
      } catch (error) {
        this.finish(error as Error);
      }
    };
    setImmediate(tick);
  }

  /** Runs the job synchronously (SAVE). */
  runNow(): void {
    try {
      while (!this.step());
      this.finish(null);
    } catch (error) {
      this.finish(error as Error);
      throw error;
    }
  }

  private emit(text: string): void {
    const bytes = Buffer.from(text, 'latin1');
    this.crc = crc32(bytes, this.crc);
    writeSync(this.fd, bytes);
    this.written += bytes.length;
  }

  private finish(error: Error | null): void {
    if (this.finished) return;
    this.finished = true;
    try {
      if (!error) {
        const end = trailer(this.crc);
        writeSync(this.fd, end);
        this.written += end.length;
        fsyncSync(this.fd);
      }
    } catch (failure) {
      error = failure as Error;
    } finally {
      closeSync(this.fd);
    }
    this.pending.clear();
    this.onDone(error, this.written);
  }
}
