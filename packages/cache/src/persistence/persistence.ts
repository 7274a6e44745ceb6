import {
  existsSync,
  readFileSync,
  renameSync,
  statSync,
  truncateSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import type { Logger } from '@parley/kit';
import type { AppendFsync } from '../config.js';
import { errors, ReplyError } from '../errors.js';
import { RequestParser } from '../protocol/parser.js';
import { Client } from '../server/client.js';
import type { CacheEngine } from '../server/engine.js';
import { AppendOnlyFile } from './aof.js';
import { SnapshotJob } from './background.js';
import { decodeSnapshot, MAGIC } from './snapshot.js';

export interface LoadReport {
  source: 'aof' | 'snapshot' | 'none';
  keys: number;
  /** What was wrong with the file, if its tail was cut or damaged (the valid prefix was loaded). */
  problem: string | null;
}

/**
 * Persistence (aof.c + rdb.c): loads the data at start-up, feeds the AOF, runs snapshots and
 * AOF rewrites in the background, and applies the `save` rules.
 */
export class Persistence {
  aof: AppendOnlyFile | null = null;
  private job: SnapshotJob | null = null;
  private jobKind: 'bgsave' | 'rewrite' | null = null;
  private lastBgsaveOk = true;
  private aofBaseSize = 0;
  private readonly cron: NodeJS.Timeout;
  lastLoad: LoadReport = { source: 'none', keys: 0, problem: null };

  constructor(
    private readonly engine: CacheEngine,
    private readonly log: Pick<Logger, 'warn' | 'info'> | null = null,
  ) {
    const config = engine.config;
    engine.persistenceInfo = () => this.info();
    engine.beforeWrite = (c, spec, argv) => this.job?.beforeWrite(c.db, spec, argv);
    engine.holdReplies = () => this.aof?.holdsReplies ?? false;
    engine.beforeFlush = () => this.aof?.flush();
    config.onChange((name, value) => {
      if (name === 'appendfsync' && this.aof) this.aof.fsync = value as AppendFsync;
      if (name === 'appendonly') {
        if (value === 'yes' && !this.aof) {
          this.openAof();
          this.rewriteAof();
        } else if (value === 'no' && this.aof) this.closeAof();
      }
    });
    this.cron = setInterval(() => this.checkSaveRules(), 1000);
    this.cron.unref();
  }

  private get dir(): string {
    return this.engine.config.get('dir');
  }

  get aofPath(): string {
    return join(this.dir, this.engine.config.get('appendfilename'));
  }

  get snapshotPath(): string {
    return join(this.dir, this.engine.config.get('dbfilename'));
  }

  /** Start-up: the AOF if appendonly, else the snapshot; then open the AOF for appending. */
  load(): LoadReport {
    const useAof = this.engine.config.bool('appendonly');
    if (useAof && existsSync(this.aofPath)) this.lastLoad = this.loadAof();
    else if (existsSync(this.snapshotPath)) this.lastLoad = this.loadSnapshotFile();
    if (this.lastLoad.problem)
      this.log?.warn(
        { problem: this.lastLoad.problem, source: this.lastLoad.source },
        'cache: loaded the valid prefix of a damaged file',
      );
    if (useAof) this.openAof();
    return this.lastLoad;
  }

  private openAof(): void {
    const size = existsSync(this.aofPath) ? statSync(this.aofPath).size : 0;
    this.aofBaseSize = size;
    const aof = new AppendOnlyFile(this.aofPath, this.engine.config.get('appendfsync') as AppendFsync, size);
    this.aof = aof;
    this.engine.propagator = (db, argv) => aof.feed(db, argv);
  }

  private closeAof(): void {
    this.engine.propagator = null;
    this.aof?.close();
    this.aof = null;
  }

  private loadSnapshotFile(): LoadReport {
    const decoded = decodeSnapshot(readFileSync(this.snapshotPath));
    const keys = this.apply(decoded.records);
    return { source: 'snapshot', keys, problem: decoded.problem };
  }

  private apply(records: ReturnType<typeof decodeSnapshot>['records']): number {
    const now = this.engine.clock.now();
    let keys = 0;
    for (const { db, key, value, expireAt } of records) {
      const target = this.engine.dbs[db];
      if (!target || (expireAt !== undefined && expireAt <= now)) continue;
      target.set(key, value);
      if (expireAt !== undefined) target.setExpire(key, expireAt);
      keys++;
    }
    return keys;
  }

  /**
   * Replays the AOF through the normal dispatcher with a connection-less client. A cut or
   * corrupt tail (and an unfinished MULTI) is reported, the valid prefix kept, and the file
   * truncated to it so the next start is clean; the damaged bytes are kept beside it.
   */
  private loadAof(): LoadReport {
    const data = readFileSync(this.aofPath);
    let offset = 0;
    let keys = 0;
    let problem: string | null = null;
    if (data.subarray(0, MAGIC.length).toString('latin1') === MAGIC) {
      const decoded = decodeSnapshot(data);
      keys = this.apply(decoded.records);
      offset = decoded.length;
      problem = decoded.problem;
    }
    // Replaying must not append to the file being replayed.
    const propagator = this.engine.propagator;
    this.engine.propagator = null;
    const client = new Client(this.engine, null);
    client.authenticated = true;
    let validEnd = offset;
    let multiStart = -1;
    try {
      if (problem === null) {
        const parser = new RequestParser();
        parser.feed(data.subarray(offset));
        for (;;) {
          let argv: string[] | undefined;
          try {
            argv = parser.next();
          } catch (error) {
            problem = `bad command at byte ${validEnd}: ${(error as Error).message}`;
            break;
          }
          if (argv === undefined) {
            if (parser.buffered > 0) problem = `truncated command at byte ${validEnd}`;
            break;
          }
          const name = argv[0]!.toLowerCase();
          const start = validEnd;
          if (name === 'multi') multiStart = start;
          this.engine.dispatch(client, argv);
          client.writer.take();
          validEnd = data.length - parser.buffered;
          if (name === 'exec') multiStart = -1;
        }
      }
      if (client.multi !== null && multiStart >= 0) {
        // A transaction whose EXEC never made it to disk never happened.
        problem ??= `unfinished MULTI at byte ${multiStart}`;
        client.multi = null;
        validEnd = multiStart;
      }
    } finally {
      this.engine.propagator = propagator;
    }
    if (problem !== null && validEnd < data.length) {
      writeFileSync(`${this.aofPath}.damaged`, data.subarray(validEnd));
      truncateSync(this.aofPath, validEnd);
    }
    keys = this.engine.dbs.reduce((sum, db) => sum + db.size, 0);
    return { source: 'aof', keys, problem };
  }

  /** SAVE: a synchronous snapshot. */
  save(): void {
    if (this.job) throw new ReplyError(errors.bgsaveInProgress);
    const temp = `${this.snapshotPath}.tmp-${process.pid}`;
    new SnapshotJob(this.engine.dbs, temp, this.engine.clock.now(), (error) => {
      if (error) return safeUnlink(temp);
      renameSync(temp, this.snapshotPath);
      this.saved();
    }).runNow();
  }

  /** BGSAVE: a snapshot written in the background while serving. */
  bgsave(): void {
    if (this.job) throw new ReplyError(errors.bgsaveInProgress);
    const temp = `${this.snapshotPath}.tmp-${process.pid}`;
    this.jobKind = 'bgsave';
    this.job = new SnapshotJob(this.engine.dbs, temp, this.engine.clock.now(), (error) => {
      this.job = null;
      this.jobKind = null;
      this.lastBgsaveOk = error === null;
      if (error) {
        this.log?.warn({ err: error }, 'cache: background save failed');
        safeUnlink(temp);
        return;
      }
      renameSync(temp, this.snapshotPath);
      this.saved();
    });
    this.job.runInBackground();
  }

  /** BGREWRITEAOF: a snapshot preamble plus the commands that arrive meanwhile (hybrid AOF). */
  rewriteAof(): void {
    const aof = this.aof;
    if (!aof) throw new ReplyError('ERR Background append only file rewriting requires appendonly yes');
    if (this.job) throw new ReplyError('ERR Background append only file rewriting already in progress');
    const temp = `${this.aofPath}.rewrite-${process.pid}`;
    this.jobKind = 'rewrite';
    this.job = new SnapshotJob(this.engine.dbs, temp, this.engine.clock.now(), (error, bytes) => {
      this.job = null;
      this.jobKind = null;
      if (error || this.aof !== aof) {
        aof.abortRewrite();
        safeUnlink(temp);
        if (error) this.log?.warn({ err: error }, 'cache: AOF rewrite failed');
        return;
      }
      aof.finishRewrite(temp, () => renameSync(temp, this.aofPath));
      aof.size = statSync(this.aofPath).size;
      this.aofBaseSize = bytes;
    });
    aof.startRewrite();
    this.job.runInBackground();
  }

  get busy(): boolean {
    return this.job !== null;
  }

  private saved(): void {
    this.engine.dirty = 0;
    this.engine.lastSave = this.engine.clock.now();
  }

  /** `save <seconds> <changes> ...` rules and automatic AOF rewrite (serverCron). */
  private checkSaveRules(): void {
    if (this.job) return;
    const now = this.engine.clock.now();
    const words = this.engine.config.get('save').trim().split(/\s+/).filter(Boolean).map(Number);
    for (let i = 0; i + 1 < words.length; i += 2) {
      if (this.engine.dirty >= words[i + 1]! && now - this.engine.lastSave >= words[i]! * 1000) {
        this.bgsave();
        return;
      }
    }
    const aof = this.aof;
    const percentage = this.engine.config.number('auto-aof-rewrite-percentage');
    if (aof && percentage > 0 && aof.size > this.engine.config.number('auto-aof-rewrite-min-size')) {
      const base = Math.max(this.aofBaseSize, 1);
      if (((aof.size - base) * 100) / base >= percentage) this.rewriteAof();
    }
  }

  private info(): [string, string | number][] {
    return [
      ['rdb_bgsave_in_progress', this.jobKind === 'bgsave' ? 1 : 0],
      ['rdb_last_save_time', Math.floor(this.engine.lastSave / 1000)],
      ['rdb_last_bgsave_status', this.lastBgsaveOk ? 'ok' : 'err'],
      ['aof_enabled', this.aof ? 1 : 0],
      ['aof_rewrite_in_progress', this.jobKind === 'rewrite' ? 1 : 0],
      ['aof_last_write_status', this.aof?.lastWriteError ? 'err' : 'ok'],
      ['aof_current_size', this.aof?.size ?? 0],
      ['aof_base_size', this.aofBaseSize],
      ['aof_last_load_truncated', this.lastLoad.problem ? 1 : 0],
    ];
  }

  close(): void {
    clearInterval(this.cron);
    this.closeAof();
  }
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // already gone
  }
}
