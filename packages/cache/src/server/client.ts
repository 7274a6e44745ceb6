import type { CommandSpec } from '../commands/command.js';
import { errors } from '../errors.js';
import type { Database } from '../keyspace/db.js';
import { ProtocolError, RequestParser } from '../protocol/parser.js';
import { ReplyWriter } from '../protocol/writer.js';
import type { CacheEngine } from './engine.js';
import type { NotifyClass } from './notify.js';

/** Where a client's replies go: a socket, or nothing for the in-process (script) client. */
export interface Transport {
  write(data: string): void;
  close(): void;
  readonly remoteAddress: string;
  readonly localAddress: string;
}

/** A blocked BLPOP/BZPOPMIN/XREAD...: re-run when one of its keys is ready, or time out. */
export interface BlockState {
  db: Database;
  keys: string[];
  spec: CommandSpec;
  argv: string[];
  timer: NodeJS.Timeout | null;
  /** Absolute time the block ends, 0 for never; kept when a wake-up finds nothing to serve. */
  deadline: number;
  /** Writes the reply for a timeout (a null array for most blocking commands). */
  onTimeout: (c: Client) => void;
}

export interface WatchedKey {
  db: Database;
  key: string;
  /** Expiry time when watched; a key that expires after WATCH counts as modified. */
  expireAt: number | undefined;
}

let nextClientId = 1;

/** One connection's state (server.h `client`). */
export class Client {
  readonly id = nextClientId++;
  name = '';
  libName = '';
  libVersion = '';
  db: Database;
  readonly writer: ReplyWriter;
  authenticated: boolean;
  readonly createdAt: number;
  lastInteraction: number;
  lastCommand = 'NULL';
  /** Commands queued after MULTI, or null outside a transaction. */
  multi: { spec: CommandSpec; argv: string[] }[] | null = null;
  /** A queued command failed to queue (unknown, arity...): EXEC aborts. */
  multiFailed = false;
  /** A WATCHed key was modified: EXEC fails with a null reply. */
  dirtyCas = false;
  /** True while EXEC runs the queue (blocking commands then behave as non-blocking). */
  inExec = false;
  readonly watched: WatchedKey[] = [];
  readonly channels = new Set<string>();
  readonly patterns = new Set<string>();
  blocked: BlockState | null = null;
  monitor = false;
  closed = false;
  /** Close once the pending replies are written (QUIT, protocol errors, CLIENT KILL). */
  closeAfterReply = false;
  /** The argv to write to the AOF instead of the one received (relative TTLs made absolute...). */
  propagateArgv: string[] | null = null;
  private readonly parser: RequestParser | null;
  private processing = false;

  /** `writer`: where replies are written (scripts' client writes them in the Lua VM's encoding). */
  constructor(
    readonly engine: CacheEngine,
    readonly transport: Transport | null,
    writer: ReplyWriter = new ReplyWriter(),
  ) {
    this.writer = writer;
    this.db = engine.dbs[0]!;
    this.authenticated = engine.config.get('requirepass') === '';
    this.createdAt = engine.clock.now();
    this.lastInteraction = this.createdAt;
    this.parser = transport ? new RequestParser(engine.parserLimits()) : null;
  }

  get protocol(): 2 | 3 {
    return this.writer.protocol;
  }

  get subscriptions(): number {
    return this.channels.size + this.patterns.size;
  }

  /** Whether a blocking command may block now (not inside MULTI/EXEC or a script). */
  get canBlock(): boolean {
    return this.transport !== null && !this.inExec;
  }

  /** Reports a change to a key: dirty counter, WATCH, blocked clients, keyspace notification. */
  changed(key: string, event: string, klass: NotifyClass): void {
    this.engine.changed(this.db, key, event, klass);
  }

  /**
   * Bytes arrived from the socket: parse and run every complete command, then write once. A
   * `borrowed` chunk is the listener's shared read buffer, reused once this returns.
   */
  receive(chunk: Buffer, borrowed = false): void {
    const parser = this.parser!;
    parser.feed(chunk, borrowed);
    this.lastInteraction = this.engine.clock.now();
    // A client that keeps sending without completing commands is cut off (client-query-buffer-limit).
    if (parser.buffered > this.engine.queryBufferLimit) this.close();
    else this.processInput();
    parser.release();
  }

  /** Runs queued input until it is exhausted, the client blocks, or it is closing. */
  processInput(): void {
    if (this.processing || !this.parser) return;
    this.processing = true;
    try {
      while (!this.blocked && !this.closeAfterReply && !this.closed) {
        let argv: string[] | undefined;
        this.parser.unauthenticated = !this.authenticated;
        try {
          argv = this.parser.next();
        } catch (error) {
          if (!(error instanceof ProtocolError)) throw error;
          this.writer.error(errors.protocol(error.message));
          this.closeAfterReply = true;
          break;
        }
        if (argv === undefined) break;
        this.engine.dispatch(this, argv);
      }
    } finally {
      this.processing = false;
    }
    this.flush();
  }

  /** Writes pending replies to the transport. */
  flush(): void {
    if (this.closed) return;
    if (this.engine.holdReplies?.()) {
      this.engine.scheduleFlush(this);
      return;
    }
    if (this.writer.out.length > 0 && this.transport) this.transport.write(this.writer.take());
    if (this.closeAfterReply) this.close();
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.engine.clientClosed(this);
    this.transport?.close();
  }
}
