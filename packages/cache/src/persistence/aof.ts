import { closeSync, fdatasync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { AppendFsync } from '../config.js';

/**
 * The append-only file (aof.c): every state-changing command as RESP, with SELECT when the
 * database changes. Commands accumulate in memory and are written once per event-loop turn
 * (Redis writes in beforeSleep). With `appendfsync always` the write is also fsynced before
 * any reply of that turn is sent (see `holdsReplies`), so an acknowledged write is on disk;
 * `everysec` fsyncs in the background once a second; `no` leaves it to the OS.
 */
export class AppendOnlyFile {
  private buffer = '';
  private selectedDb = -1;
  private fd: number;
  private scheduled = false;
  private readonly everysec: NodeJS.Timeout;
  /** Commands fed while a rewrite runs, to be appended to the rewritten file. */
  private rewriteBuffer: string | null = null;
  size: number;
  lastWriteError: Error | null = null;

  constructor(
    private path: string,
    public fsync: AppendFsync,
    initialSize: number,
  ) {
    this.fd = openSync(path, 'a');
    this.size = initialSize;
    this.everysec = setInterval(() => {
      if (this.fsync === 'everysec') fdatasync(this.fd, () => {});
    }, 1000);
    this.everysec.unref();
  }

  /** Appends one command. */
  feed(db: number, argv: string[]): void {
    let out = '';
    if (db !== this.selectedDb) {
      out += encodeCommand(['SELECT', String(db)]);
      this.selectedDb = db;
    }
    out += encodeCommand(argv);
    this.buffer += out;
    if (this.rewriteBuffer !== null) this.rewriteBuffer += out;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** True while `always` writes are waiting: replies must not leave before they are on disk. */
  get holdsReplies(): boolean {
    return this.fsync === 'always' && this.buffer.length > 0;
  }

  /** Writes (and with `always`, fsyncs) what has accumulated. */
  flush(): void {
    this.scheduled = false;
    if (this.buffer.length === 0) return;
    const bytes = Buffer.from(this.buffer, 'latin1');
    this.buffer = '';
    try {
      writeSync(this.fd, bytes);
      if (this.fsync === 'always') fsyncSync(this.fd);
      this.size += bytes.length;
      this.lastWriteError = null;
    } catch (error) {
      // Redis keeps serving and reports the error (aof_last_write_status); the data stays in memory.
      this.lastWriteError = error as Error;
    }
  }

  startRewrite(): void {
    this.rewriteBuffer = '';
    // The rewritten file's tail must select its db itself.
    this.selectedDb = -1;
  }

  /**
   * Finishes a rewrite: the snapshot preamble is already in `tempPath`; append what arrived
   * meanwhile, fsync, then switch this AOF to the new file (the caller renames it into place).
   */
  finishRewrite(tempPath: string, rename: () => void): void {
    this.flush();
    const tail = this.rewriteBuffer ?? '';
    this.rewriteBuffer = null;
    const fd = openSync(tempPath, 'a');
    try {
      const bytes = Buffer.from(tail, 'latin1');
      writeSync(fd, bytes);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    rename();
    closeSync(this.fd);
    this.fd = openSync(this.path, 'a');
  }

  abortRewrite(): void {
    this.rewriteBuffer = null;
  }

  close(): void {
    this.flush();
    clearInterval(this.everysec);
    try {
      fsyncSync(this.fd);
    } finally {
      closeSync(this.fd);
    }
  }
}

export function encodeCommand(argv: string[]): string {
  let out = `*${argv.length}\r\n`;
  for (const arg of argv) out += `$${arg.length}\r\n${arg}\r\n`;
  return out;
}
