import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { type Clock, type Logger, systemClock } from '@parley/kit';
import { arityOk, type CommandSpec, flagBit } from '../commands/command.js';
import { commandTable } from '../commands/index.js';
import { Config } from '../config.js';
import { errors, ReplyError } from '../errors.js';
import { Eviction } from '../eviction/evict.js';
import { globMatch } from '../glob.js';
import { Database } from '../keyspace/db.js';
import type { Value } from '../keyspace/value.js';
import type { Persistence } from '../persistence/persistence.js';
import { defaultLimits, type ParserLimits } from '../protocol/parser.js';
import type { BlockState, Client } from './client.js';
import { type NotifyClass, notifyClass, parseNotifyFlags } from './notify.js';

/** Commands a RESP2 client may send while subscribed (server.c processCommand). */
const SUBSCRIBED_ALLOWED = new Set([
  'subscribe',
  'psubscribe',
  'unsubscribe',
  'punsubscribe',
  'ssubscribe',
  'sunsubscribe',
  'ping',
  'quit',
  'reset',
]);
/** Commands that run immediately inside MULTI instead of being queued. */
const MULTI_IMMEDIATE = new Set(['exec', 'discard', 'multi', 'watch', 'quit', 'reset']);

export interface EngineStats {
  startedAt: number;
  totalConnections: number;
  totalCommands: number;
  expiredKeys: number;
  evictedKeys: number;
  keyspaceHits: number;
  keyspaceMisses: number;
  rejectedConnections: number;
  netInputBytes: number;
  netOutputBytes: number;
  internalErrors: number;
}

/** Receives every state-changing command, for the AOF (and, later, replicas). */
export type Propagator = (db: number, argv: string[]) => void;

export interface EngineOptions {
  config?: Config;
  clock?: Clock;
}

/**
 * The server's state and command dispatcher (server.c processCommand/call): databases,
 * clients, pub/sub, blocked clients and WATCH. It knows nothing about sockets; the network
 * layer and the script runner both drive it through Client objects.
 */
export class CacheEngine {
  readonly config: Config;
  readonly clock: Clock;
  readonly dbs: Database[];
  readonly commands = new Map<string, CommandSpec>();
  readonly clients = new Map<number, Client>();
  readonly channels = new Map<string, Set<Client>>();
  readonly patterns = new Map<string, Set<Client>>();
  readonly monitors = new Set<Client>();
  readonly stats: EngineStats;
  /** Writes since the last save (server.dirty); handlers bump it through `changed`. */
  dirty = 0;
  lastSave: number;
  propagator: Propagator | null = null;
  /** Runs before every write command (a background snapshot saves what it will change). */
  beforeWrite: ((c: Client, spec: CommandSpec, argv: string[]) => void) | null = null;
  /** True while replies must wait (appendfsync always: until the AOF is on disk). */
  holdReplies: (() => boolean) | null = null;
  /** Runs before pending replies are written (AOF write + fsync). */
  beforeFlush: (() => void) | null = null;
  persistence: Persistence | null = null;
  /** SHUTDOWN: stops the server that owns this engine (save: true/false forces, null follows config). */
  shutdownHook: ((save: boolean | null) => void) | null = null;
  /** Checked before every denyoom command while maxmemory is set; false means OOM. */
  memoryGuard: (() => boolean) | null = null;
  /** Where the engine's warnings go (the embedding application's logger), if anywhere. */
  logger: Pick<Logger, 'warn' | 'info'> | null = null;
  private notifyFlags = 0;
  private inTransaction = false;
  private transactionOpen = false;
  private transactionDb = 0;
  /**
   * Clients blocked per key, one map per database index, in arrival order (db->blocking_keys).
   * Keyed by the key itself, so the write path's check reuses the key string's cached hash
   * instead of building a `${db}\0${key}` string per write while anyone is blocked.
   */
  private readonly blockedOn: Map<string, Client[]>[];
  /** Keys pushed to while clients wait on them, in order (server.ready_keys)... */
  private readyList: [db: number, key: string][] = [];
  /** ...and the same per database index, so a key is listed once (db->ready_keys). */
  private readonly readyKeys: Set<string>[];
  private serving = false;
  private reblockDeadline: number | null = null;
  private readonly watchers = new Map<string, Set<Client>>();
  private readonly pendingFlush = new Set<Client>();
  private flushScheduled = false;
  private readonly cron: NodeJS.Timeout;
  blockedClients = 0;
  /** client-query-buffer-limit, cached: it is checked on every read. */
  queryBufferLimit: number;
  /** Whether the periodic expiry cycle runs (DEBUG SET-ACTIVE-EXPIRE). */
  activeExpireEnabled = true;
  readonly runId = randomBytes(20).toString('hex');
  /** The TCP port, once listening (INFO). */
  port = 0;
  peakMemory = 0;
  /** maxmemory, eviction policies and LRU/LFU tracking. */
  readonly eviction: Eviction;
  /** Dataset size accounting, installed by the eviction layer while maxmemory is set. */
  accounting: Eviction | null = null;
  /** Extra INFO persistence fields, provided by the persistence layer. */
  persistenceInfo: () => [string, string | number][] = () => [
    ['aof_enabled', 0],
    ['rdb_bgsave_in_progress', 0],
    ['aof_rewrite_in_progress', 0],
  ];
  /** Memory figure used for INFO and maxmemory; replaced by the eviction layer's accounting. */
  usedMemory: () => number = () => process.memoryUsage().heapUsed;

  constructor(options: EngineOptions = {}) {
    this.config = options.config ?? new Config();
    this.clock = options.clock ?? systemClock;
    const count = this.config.number('databases');
    const events = { expired: (db: Database, key: string, value: Value) => this.expired(db, key, value) };
    this.dbs = Array.from({ length: count }, (_, i) => new Database(i, this.clock, events));
    this.blockedOn = this.dbs.map(() => new Map());
    this.readyKeys = this.dbs.map(() => new Set());
    for (const spec of commandTable) {
      this.commands.set(spec.name, spec);
      this.commands.set(spec.name.toUpperCase(), spec);
    }
    this.stats = {
      startedAt: this.clock.now(),
      totalConnections: 0,
      totalCommands: 0,
      expiredKeys: 0,
      evictedKeys: 0,
      keyspaceHits: 0,
      keyspaceMisses: 0,
      rejectedConnections: 0,
      netInputBytes: 0,
      netOutputBytes: 0,
      internalErrors: 0,
    };
    this.lastSave = this.clock.now();
    this.notifyFlags = parseNotifyFlags(this.config.get('notify-keyspace-events')) ?? 0;
    this.queryBufferLimit = this.config.number('client-query-buffer-limit');
    this.config.onChange((name, value) => {
      if (name === 'notify-keyspace-events') this.notifyFlags = parseNotifyFlags(value) ?? 0;
      if (name === 'client-query-buffer-limit') this.queryBufferLimit = Number(value);
    });
    this.eviction = new Eviction(this);
    this.cron = setInterval(() => this.serverCron(), 1000 / this.config.number('hz'));
    this.cron.unref();
  }

  parserLimits(): ParserLimits {
    return {
      ...defaultLimits,
      maxBulk: Math.min(defaultLimits.maxBulk, this.config.number('proto-max-bulk-len')),
    };
  }

  lookupCommand(name: string): CommandSpec | undefined {
    return this.commands.get(name) ?? this.commands.get(name.toLowerCase());
  }

  /** processCommand: checks (existence, arity, auth, MULTI, pub/sub context, memory), then call. */
  dispatch(c: Client, argv: string[]): void {
    const name = argv[0]!;
    const spec = this.lookupCommand(name);
    if (spec === undefined) {
      this.reject(c, errors.unknownCommand(name, argv.slice(1)));
      return;
    }
    if (!arityOk(spec.arity, argv.length)) {
      this.reject(c, errors.arity(spec.name));
      return;
    }
    if (!c.authenticated && (spec.bits & flagBit.no_auth) === 0) {
      this.reject(c, errors.noAuth);
      return;
    }
    if (this.monitors.size > 0 && (spec.bits & flagBit.skip_monitor) === 0) this.feedMonitors(c, argv);
    if (c.multi !== null && !MULTI_IMMEDIATE.has(spec.name)) {
      if ((spec.bits & flagBit.no_multi) !== 0) {
        this.reject(c, errors.notAllowedInMulti);
        return;
      }
      c.multi.push({ spec, argv });
      c.writer.simple('QUEUED');
      return;
    }
    if (c.protocol === 2 && c.subscriptions > 0 && !SUBSCRIBED_ALLOWED.has(spec.name)) {
      c.writer.error(errors.pubsubContext(spec.name));
      return;
    }
    if (this.memoryGuard !== null && (spec.bits & flagBit.denyoom) !== 0 && !this.memoryGuard()) {
      this.reject(c, errors.oom);
      return;
    }
    c.lastCommand = spec.name;
    this.call(c, spec, argv);
    if (this.readyList.length > 0) this.serveReadyKeys();
  }

  /** An error that also aborts a surrounding MULTI (flagTransaction). */
  private reject(c: Client, message: string): void {
    if (c.multi !== null) c.multiFailed = true;
    c.writer.error(message);
  }

  /** Runs one command and propagates it if it changed the dataset. */
  call(c: Client, spec: CommandSpec, argv: string[]): void {
    const dirty = this.dirty;
    c.propagateArgv = null;
    const write = (spec.bits & flagBit.write) !== 0;
    const accounting = write ? this.accounting : null;
    if (write && this.beforeWrite !== null) this.beforeWrite(c, spec, argv);
    const db = c.db;
    accounting?.beforeWrite(db, spec, argv);
    try {
      spec.handler(c, argv);
    } catch (error) {
      if (error instanceof ReplyError) c.writer.error(error.message);
      else {
        // A bug or an engine limit (a RangeError from V8) must not take down the process that
        // embeds the server: the command fails, the connection and the server carry on.
        this.stats.internalErrors++;
        c.writer.error(`ERR internal error in '${spec.name}': ${(error as Error).message}`);
      }
    }
    accounting?.afterWrite(db, spec, argv);
    this.stats.totalCommands++;
    if (write && this.dirty !== dirty && this.propagator !== null)
      this.propagate(c.db.id, c.propagateArgv ?? argv);
  }

  /**
   * EXEC brackets its writes with MULTI/EXEC in the AOF so a transaction is replayed whole or,
   * if the tail was cut mid-transaction, not at all. MULTI is only written before the first write.
   */
  beginTransaction(c: Client): void {
    this.transactionDb = c.db.id;
    this.transactionOpen = false;
    this.inTransaction = true;
  }

  endTransaction(_c: Client): void {
    if (this.transactionOpen) this.propagator?.(this.transactionDb, ['exec']);
    this.inTransaction = false;
    this.transactionOpen = false;
  }

  private propagate(db: number, argv: string[]): void {
    if (this.propagator === null) return;
    if (this.inTransaction && !this.transactionOpen) {
      this.transactionOpen = true;
      this.propagator(db, ['multi']);
    }
    this.propagator(db, argv);
  }

  /** signalModifiedKey + notifyKeyspaceEvent + server.dirty++. */
  changed(db: Database, key: string, event: string, klass: NotifyClass): void {
    this.dirty++;
    if (this.watchers.size > 0) this.touchWatchedKey(db, key);
    if (this.blockedClients > 0 && this.blockedOn[db.id]!.has(key)) {
      const ready = this.readyKeys[db.id]!;
      if (!ready.has(key)) {
        ready.add(key);
        this.readyList.push([db.id, key]);
      }
    }
    if (this.notifyFlags !== 0) this.notify(klass, event, key, db.id);
  }

  /** A key removed because its TTL passed (lazily or by the active cycle). */
  expired(db: Database, key: string, value: Value): void {
    this.stats.expiredKeys++;
    this.accounting?.removed(key, value);
    this.dirty++;
    if (this.watchers.size > 0) this.touchWatchedKey(db, key);
    if (this.notifyFlags !== 0) this.notify(notifyClass.expired, 'expired', key, db.id);
    this.propagate(db.id, ['del', key]);
  }

  /** A key removed by eviction (evict.c). */
  evicted(db: Database, key: string): void {
    this.stats.evictedKeys++;
    this.dirty++;
    if (this.watchers.size > 0) this.touchWatchedKey(db, key);
    if (this.notifyFlags !== 0) this.notify(notifyClass.evicted, 'evicted', key, db.id);
    this.propagate(db.id, ['del', key]);
  }

  notify(klass: NotifyClass, event: string, key: string, db: number): void {
    const flags = this.notifyFlags;
    if (!(flags & klass)) return;
    if (flags & notifyClass.keyspace) this.publish(`__keyspace@${db}__:${key}`, event);
    if (flags & notifyClass.keyevent) this.publish(`__keyevent@${db}__:${event}`, key);
  }

  // --- pub/sub (pubsub.c) ---

  publish(channel: string, message: string): number {
    let receivers = 0;
    const subscribers = this.channels.get(channel);
    if (subscribers) {
      for (const client of subscribers) {
        client.writer.push(3);
        client.writer.bulk('message');
        client.writer.bulk(channel);
        client.writer.bulk(message);
        this.scheduleFlush(client);
        receivers++;
      }
    }
    if (this.patterns.size > 0) {
      for (const [pattern, clients] of this.patterns) {
        if (!globMatch(pattern, channel)) continue;
        for (const client of clients) {
          client.writer.push(4);
          client.writer.bulk('pmessage');
          client.writer.bulk(pattern);
          client.writer.bulk(channel);
          client.writer.bulk(message);
          this.scheduleFlush(client);
          receivers++;
        }
      }
    }
    return receivers;
  }

  // --- WATCH (multi.c) ---

  watch(c: Client, key: string): void {
    const db = c.db;
    if (c.watched.some((w) => w.db === db && w.key === key)) return;
    c.watched.push({ db, key, expireAt: db.has(key) ? db.expireAt(key) : undefined });
    const id = `${db.id}\0${key}`;
    const set = this.watchers.get(id);
    if (set) set.add(c);
    else this.watchers.set(id, new Set([c]));
  }

  unwatchAll(c: Client): void {
    for (const { db, key } of c.watched) {
      const id = `${db.id}\0${key}`;
      const set = this.watchers.get(id);
      set?.delete(c);
      if (set?.size === 0) this.watchers.delete(id);
    }
    c.watched.length = 0;
    c.dirtyCas = false;
  }

  /** True if a watched key expired since WATCH (counts as a modification, as in Redis 7). */
  watchedKeyExpired(c: Client): boolean {
    const now = this.clock.now();
    return c.watched.some((w) => w.expireAt !== undefined && w.expireAt <= now);
  }

  private touchWatchedKey(db: Database, key: string): void {
    const set = this.watchers.get(`${db.id}\0${key}`);
    if (set) for (const client of set) client.dirtyCas = true;
  }

  /** FLUSHDB/FLUSHALL/SWAPDB: every watcher of the db(s) is invalidated. */
  touchAllWatched(db: Database | null): void {
    for (const set of this.watchers.values())
      for (const client of set)
        if (db === null || client.watched.some((w) => w.db === db)) client.dirtyCas = true;
  }

  // --- blocking (blocked.c) ---

  /**
   * Blocks a client on keys until one is ready (the command is then re-run) or the timeout
   * (ms, 0 = forever) passes. When re-run after a wake-up that found nothing, the original
   * deadline is kept.
   */
  block(c: Client, argv: string[], keys: string[], timeoutMs: number, onTimeout: (c: Client) => void): void {
    const spec = this.lookupCommand(argv[0]!)!;
    const deadline = this.reblockDeadline ?? (timeoutMs > 0 ? this.clock.now() + timeoutMs : 0);
    const state: BlockState = { db: c.db, keys, spec, argv, timer: null, onTimeout, deadline };
    if (deadline > 0) {
      state.timer = setTimeout(
        () => {
          if (c.blocked !== state) return;
          this.unblock(c);
          onTimeout(c);
          this.resume(c);
        },
        Math.max(0, deadline - this.clock.now()),
      );
    }
    c.blocked = state;
    this.blockedClients++;
    const blockedOn = this.blockedOn[c.db.id]!;
    for (const key of keys) {
      const queue = blockedOn.get(key);
      if (queue) queue.push(c);
      else blockedOn.set(key, [c]);
    }
  }

  unblock(c: Client): void {
    const state = c.blocked;
    if (!state) return;
    if (state.timer) clearTimeout(state.timer);
    const blockedOn = this.blockedOn[state.db.id]!;
    for (const key of state.keys) {
      const queue = blockedOn.get(key);
      if (!queue) continue;
      const at = queue.indexOf(c);
      if (at >= 0) queue.splice(at, 1);
      if (queue.length === 0) blockedOn.delete(key);
    }
    c.blocked = null;
    this.blockedClients--;
  }

  /** After an unblock: send the reply and run whatever the client pipelined meanwhile. */
  private resume(c: Client): void {
    this.scheduleFlush(c);
    queueMicrotask(() => c.processInput());
  }

  /** Re-runs the commands of clients blocked on keys that became ready (handleClientsBlockedOnKeys). */
  private serveReadyKeys(): void {
    if (this.serving) return;
    this.serving = true;
    try {
      while (this.readyList.length > 0) {
        const ready = this.readyList;
        this.readyList = [];
        for (const [id, key] of ready) {
          this.readyKeys[id]!.delete(key);
          const queue = this.blockedOn[id]!.get(key);
          if (!queue) continue;
          for (const client of [...queue]) {
            const state = client.blocked;
            if (!state) continue;
            this.unblock(client);
            this.reblockDeadline = state.deadline;
            try {
              this.call(client, state.spec, state.argv);
            } finally {
              this.reblockDeadline = null;
            }
            if (!client.blocked) this.resume(client);
          }
        }
      }
    } finally {
      this.serving = false;
    }
  }

  // --- clients ---

  clientOpened(c: Client): void {
    this.clients.set(c.id, c);
    this.stats.totalConnections++;
  }

  clientClosed(c: Client): void {
    this.clients.delete(c.id);
    this.unblock(c);
    this.unwatchAll(c);
    for (const channel of c.channels) this.unsubscribeFrom(this.channels, channel, c);
    for (const pattern of c.patterns) this.unsubscribeFrom(this.patterns, pattern, c);
    c.channels.clear();
    c.patterns.clear();
    this.monitors.delete(c);
    this.pendingFlush.delete(c);
  }

  unsubscribeFrom(registry: Map<string, Set<Client>>, name: string, c: Client): boolean {
    const set = registry.get(name);
    if (!set?.delete(c)) return false;
    if (set.size === 0) registry.delete(name);
    return true;
  }

  /** Replies produced for a client outside its own read event (pub/sub, unblocking). */
  scheduleFlush(c: Client): void {
    this.pendingFlush.add(c);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flushPending());
    }
  }

  flushPending(): void {
    this.flushScheduled = false;
    this.beforeFlush?.();
    if (this.pendingFlush.size === 0) return;
    for (const client of this.pendingFlush) client.flush();
    this.pendingFlush.clear();
  }

  private feedMonitors(c: Client, argv: string[]): void {
    const now = this.clock.now();
    const args = argv.map(
      (a) => `"${a.replace(/[\\"]/g, (m) => `\\${m}`).replace(/[^\x20-\x7e]/g, hexEscape)}"`,
    );
    const line = `${Math.floor(now / 1000)}.${String((now % 1000) * 1000).padStart(6, '0')} [${c.db.id} ${
      c.transport ? c.transport.remoteAddress : 'lua'
    }] ${args.join(' ')}`;
    for (const monitor of this.monitors) {
      if (monitor === c) continue;
      monitor.writer.simple(line);
      this.scheduleFlush(monitor);
    }
  }

  /** Periodic work (serverCron): active expiry and idle client timeouts. */
  private serverCron(): void {
    if (this.activeExpireEnabled) {
      const budget = 25 / this.dbs.length;
      for (const db of this.dbs) db.activeExpire(budget);
    }
    const timeout = this.config.number('timeout') * 1000;
    if (timeout > 0) {
      const now = this.clock.now();
      for (const client of this.clients.values()) {
        if (client.blocked || client.subscriptions > 0 || client.monitor) continue;
        if (now - client.lastInteraction > timeout) client.close();
      }
    }
    this.serveReadyKeysIfAny();
  }

  /** Serves clients blocked on keys that became ready (after in-process calls, and from cron). */
  serveReadyKeysIfAny(): void {
    if (this.readyList.length > 0) this.serveReadyKeys();
    this.flushPending();
  }

  resetStats(): void {
    const { startedAt } = this.stats;
    for (const key of Object.keys(this.stats) as (keyof EngineStats)[]) this.stats[key] = 0;
    this.stats.startedAt = startedAt;
  }

  /** CONFIG REWRITE: writes the current configuration back to the file it was loaded from. */
  rewriteConfig(): void {
    const file = this.config.file;
    if (!file) throw new ReplyError('ERR The server is running without a config file');
    const lines = this.config.entries().map(([name, value]) => `${name} ${quoteConfig(value)}`);
    writeFileSync(file, `# Rewritten by CONFIG REWRITE\n${lines.join('\n')}\n`);
  }

  shutdown(): void {
    clearInterval(this.cron);
    for (const client of [...this.clients.values()]) client.close();
  }
}

function hexEscape(ch: string): string {
  const code = ch.charCodeAt(0);
  if (ch === '\n') return '\\n';
  if (ch === '\r') return '\\r';
  if (ch === '\t') return '\\t';
  return `\\x${code.toString(16).padStart(2, '0')}`;
}

function quoteConfig(value: string): string {
  return value === '' || /[\s"']/.test(value) ? `"${value.replace(/["\\]/g, (m) => `\\${m}`)}"` : value;
}
