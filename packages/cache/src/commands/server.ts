import { hostname } from 'node:os';
import { ConfigError } from '../config.js';
import { errors, ReplyError } from '../errors.js';
import { globMatch } from '../glob.js';
import type { Database } from '../keyspace/db.js';
import { Scripting } from '../scripting/runner.js';
import type { Client } from '../server/client.js';
import { formatNotifyFlags, parseNotifyFlags } from '../server/notify.js';
import { intArg, parseDouble } from './args.js';
import { type CommandSpec, command, keyPositions } from './command.js';
import { REDIS_VERSION } from './connection.js';

/** Server administration commands (server.c, config.c, debug.c). */

function dbsize(c: Client): void {
  c.writer.integer(c.db.size);
}

/** FLUSHDB/FLUSHALL [ASYNC | SYNC]: both flush synchronously here. */
function flushArgs(argv: string[]): void {
  if (argv.length > 2) throw new ReplyError(errors.syntax);
  if (argv.length === 2 && !['ASYNC', 'SYNC'].includes(argv[1]!.toUpperCase()))
    throw new ReplyError(errors.syntax);
}

function flushdb(c: Client, argv: string[]): void {
  flushArgs(argv);
  c.db.clear();
  c.engine.touchAllWatched(c.db);
  c.engine.dirty++;
  c.writer.ok();
}

function flushall(c: Client, argv: string[]): void {
  flushArgs(argv);
  for (const db of c.engine.dbs) db.clear();
  c.engine.touchAllWatched(null);
  c.engine.dirty++;
  c.writer.ok();
}

function swapdb(c: Client, argv: string[]): void {
  const a = intArg(argv[1]!, 'ERR invalid first DB index');
  const b = intArg(argv[2]!, 'ERR invalid second DB index');
  const dbA = c.engine.dbs[a];
  const dbB = c.engine.dbs[b];
  if (!dbA || !dbB) throw new ReplyError(errors.dbIndex);
  if (a !== b) {
    dbA.swap(dbB);
    c.engine.touchAllWatched(dbA);
    c.engine.touchAllWatched(dbB);
    c.engine.dirty++;
  }
  c.writer.ok();
}

function time(c: Client): void {
  const us = Math.floor(performance.timeOrigin * 1000 + performance.now() * 1000);
  const offset = c.engine.clock.now() - Date.now();
  const total = us + offset * 1000;
  c.writer.array(2);
  c.writer.bulk(String(Math.floor(total / 1e6)));
  c.writer.bulk(String(total % 1e6));
}

function lastsave(c: Client): void {
  c.writer.integer(Math.floor(c.engine.lastSave / 1000));
}

function humanBytes(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(2)}${units[unit]}`;
}

type Section = () => [string, string | number][];

function infoSections(c: Client): Record<string, Section> {
  const engine = c.engine;
  const config = engine.config;
  return {
    server: () => [
      ['redis_version', REDIS_VERSION],
      ['redis_mode', 'standalone'],
      ['parley_cache', 'yes'],
      ['os', `${process.platform} ${process.arch}`],
      ['arch_bits', 64],
      ['process_id', process.pid],
      ['run_id', engine.runId],
      ['tcp_port', engine.port],
      ['server_time_usec', engine.clock.now() * 1000],
      ['uptime_in_seconds', Math.floor((engine.clock.now() - engine.stats.startedAt) / 1000)],
      ['uptime_in_days', Math.floor((engine.clock.now() - engine.stats.startedAt) / 86_400_000)],
      ['hz', config.number('hz')],
      ['executable', process.execPath],
      ['config_file', config.file ?? ''],
      ['hostname', hostname()],
    ],
    clients: () => [
      ['connected_clients', engine.clients.size],
      ['maxclients', config.number('maxclients')],
      ['blocked_clients', engine.blockedClients],
      ['pubsub_clients', [...engine.clients.values()].filter((x) => x.subscriptions > 0).length],
      ['watching_clients', [...engine.clients.values()].filter((x) => x.watched.length > 0).length],
    ],
    memory: () => {
      const used = engine.usedMemory();
      const maxmemory = config.number('maxmemory');
      return [
        ['used_memory', used],
        ['used_memory_human', humanBytes(used)],
        ['used_memory_rss', process.memoryUsage.rss()],
        ['used_memory_rss_human', humanBytes(process.memoryUsage.rss())],
        ['used_memory_peak', Math.max(engine.peakMemory, used)],
        ['used_memory_peak_human', humanBytes(Math.max(engine.peakMemory, used))],
        ['maxmemory', maxmemory],
        ['maxmemory_human', humanBytes(maxmemory)],
        ['maxmemory_policy', config.get('maxmemory-policy')],
        ['mem_allocator', 'v8'],
        ['number_of_cached_scripts', Scripting.of(engine).scripts.size],
      ];
    },
    persistence: () => [
      ['loading', 0],
      ['rdb_changes_since_last_save', engine.dirty],
      ...engine.persistenceInfo(),
    ],
    stats: () => [
      ['total_connections_received', engine.stats.totalConnections],
      ['total_commands_processed', engine.stats.totalCommands],
      ['rejected_connections', engine.stats.rejectedConnections],
      ['expired_keys', engine.stats.expiredKeys],
      ['evicted_keys', engine.stats.evictedKeys],
      ['evicted_scripts', Scripting.of(engine).evicted],
      ['keyspace_hits', engine.stats.keyspaceHits],
      ['keyspace_misses', engine.stats.keyspaceMisses],
      ['pubsub_channels', engine.channels.size],
      ['pubsub_patterns', engine.patterns.size],
      ['total_net_input_bytes', engine.stats.netInputBytes],
      ['total_net_output_bytes', engine.stats.netOutputBytes],
      ['internal_errors', engine.stats.internalErrors],
    ],
    replication: () => [
      ['role', 'master'],
      ['connected_slaves', 0],
      ['master_repl_offset', 0],
    ],
    cpu: () => {
      const usage = process.cpuUsage();
      return [
        ['used_cpu_sys', (usage.system / 1e6).toFixed(6)],
        ['used_cpu_user', (usage.user / 1e6).toFixed(6)],
      ];
    },
    keyspace: () =>
      engine.dbs
        .filter((db) => db.size > 0)
        .map((db) => [
          `db${db.id}`,
          `keys=${db.size},expires=${db.expires.size},avg_ttl=${averageTtl(db, engine.clock.now())}`,
        ]),
  };
}

/** Average remaining TTL in ms over (at most) the first 100 keys with an expiry, like Redis's estimate. */
function averageTtl(db: Database, now: number): number {
  let total = 0;
  let n = 0;
  for (const at of db.expires.values()) {
    total += Math.max(0, at - now);
    if (++n >= 100) break;
  }
  return n === 0 ? 0 : Math.round(total / n);
}

const DEFAULT_SECTIONS = [
  'server',
  'clients',
  'memory',
  'persistence',
  'stats',
  'replication',
  'cpu',
  'keyspace',
];

function info(c: Client, argv: string[]): void {
  const sections = infoSections(c);
  let wanted = argv.slice(1).map((s) => s.toLowerCase());
  if (
    wanted.length === 0 ||
    wanted.includes('default') ||
    wanted.includes('all') ||
    wanted.includes('everything')
  )
    wanted = DEFAULT_SECTIONS;
  const parts: string[] = [];
  for (const name of wanted) {
    const section = sections[name];
    if (!section) continue;
    const title = name[0]!.toUpperCase() + name.slice(1);
    parts.push(
      `# ${title}\r\n${section()
        .map(([k, v]) => `${k}:${v}\r\n`)
        .join('')}`,
    );
  }
  c.writer.verbatim(parts.join('\r\n'));
}

function config(c: Client, argv: string[]): void {
  const sub = argv[1]!.toUpperCase();
  const settings = c.engine.config;
  switch (sub) {
    case 'GET': {
      if (argv.length < 3) throw new ReplyError(errors.subArity('config', 'get'));
      const found = new Map<string, string>();
      for (const pattern of argv.slice(2))
        for (const [name, value] of settings.match(pattern, (p, n) => globMatch(p, n)))
          found.set(
            name,
            name === 'notify-keyspace-events' ? formatNotifyFlags(parseNotifyFlags(value) ?? 0) : value,
          );
      c.writer.map(found.size);
      for (const [name, value] of found) {
        c.writer.bulk(name);
        c.writer.bulk(value);
      }
      return;
    }
    case 'SET': {
      if (argv.length < 4 || argv.length % 2 !== 0) throw new ReplyError(errors.subArity('config', 'set'));
      const pairs: [string, string][] = [];
      for (let i = 2; i < argv.length; i += 2) pairs.push([argv[i]!, argv[i + 1]!]);
      for (const [name, value] of pairs)
        if (name.toLowerCase() === 'notify-keyspace-events' && parseNotifyFlags(value) === undefined)
          throw new ReplyError(errors.invalidConfig(name, value, 'a valid set of flags'));
      try {
        settings.set(pairs);
      } catch (error) {
        if (!(error instanceof ConfigError)) throw error;
        const message = error.message.startsWith('Unknown option')
          ? `ERR ${error.message}`
          : `ERR CONFIG SET failed (possibly related to argument '${pairs[0]![0]}') - ${error.message}`;
        throw new ReplyError(message);
      }
      c.writer.ok();
      return;
    }
    case 'RESETSTAT':
      c.engine.resetStats();
      c.writer.ok();
      return;
    case 'REWRITE':
      c.engine.rewriteConfig();
      c.writer.ok();
      return;
    case 'HELP':
      c.writer.bulks([
        'CONFIG <subcommand>',
        'GET <pattern>',
        'SET <directive> <value>',
        'RESETSTAT',
        'REWRITE',
      ]);
      return;
    default:
      throw new ReplyError(errors.unknownSubcommand(argv[1]!, 'config'));
  }
}

/** COMMAND INFO's per-command reply: name, arity, flags, first, last, step, acl categories, tips, key specs, subcommands. */
function writeCommandInfo(c: Client, spec: CommandSpec): void {
  const w = c.writer;
  w.array(10);
  w.bulk(spec.name);
  w.integer(spec.arity);
  w.set(spec.flags.length);
  for (const flag of spec.flags) w.simple(flag);
  w.integer(spec.firstKey);
  w.integer(spec.lastKey);
  w.integer(spec.step);
  w.set(spec.group ? 1 : 0);
  if (spec.group) w.simple(`@${spec.group}`);
  w.array(0);
  w.array(0);
  w.array(spec.subcommands?.length ?? 0);
  for (const sub of spec.subcommands ?? []) writeCommandInfo(c, sub);
}

function uniqueCommands(c: Client): CommandSpec[] {
  return [...new Set(c.engine.commands.values())];
}

function commandCommand(c: Client, argv: string[]): void {
  const w = c.writer;
  if (argv.length === 1) {
    const all = uniqueCommands(c);
    w.array(all.length);
    for (const spec of all) writeCommandInfo(c, spec);
    return;
  }
  const sub = argv[1]!.toUpperCase();
  switch (sub) {
    case 'COUNT':
      w.integer(uniqueCommands(c).length);
      return;
    case 'LIST':
      w.bulks(uniqueCommands(c).map((spec) => spec.name));
      return;
    case 'INFO': {
      const names = argv.length > 2 ? argv.slice(2) : uniqueCommands(c).map((s) => s.name);
      w.array(names.length);
      for (const name of names) {
        const spec = c.engine.lookupCommand(name);
        if (spec) writeCommandInfo(c, spec);
        else w.nilArray();
      }
      return;
    }
    case 'DOCS': {
      const specs =
        argv.length > 2 ? argv.slice(2).flatMap((n) => c.engine.lookupCommand(n) ?? []) : uniqueCommands(c);
      w.map(specs.length);
      for (const spec of specs) {
        w.bulk(spec.name);
        w.map(1);
        w.bulk('group');
        w.bulk(spec.group ?? 'server');
      }
      return;
    }
    case 'GETKEYS': {
      if (argv.length < 3) throw new ReplyError(errors.subArity('command', 'getkeys'));
      const spec = c.engine.lookupCommand(argv[2]!);
      if (!spec) throw new ReplyError('ERR Invalid command specified');
      const args = argv.slice(2);
      const positions = keyPositions(spec, args);
      if (positions.length === 0) throw new ReplyError('ERR The command has no key arguments');
      w.bulks(positions.map((p) => args[p]!));
      return;
    }
    case 'HELP':
      w.bulks([
        'COMMAND [<subcommand>]',
        'COUNT',
        'DOCS [<command-name> ...]',
        'GETKEYS <command> <arg> ...',
        'INFO [<command-name> ...]',
        'LIST',
      ]);
      return;
    default:
      throw new ReplyError(errors.unknownSubcommand(argv[1]!, 'command'));
  }
}

function persistence(c: Client) {
  const p = c.engine.persistence;
  if (!p) throw new ReplyError('ERR persistence is not available on this server');
  return p;
}

function save(c: Client): void {
  persistence(c).save();
  c.writer.ok();
}

function bgsave(c: Client, argv: string[]): void {
  if (argv.length > 2 || (argv.length === 2 && argv[1]!.toUpperCase() !== 'SCHEDULE'))
    throw new ReplyError(errors.syntax);
  persistence(c).bgsave();
  c.writer.simple('Background saving started');
}

function bgrewriteaof(c: Client): void {
  persistence(c).rewriteAof();
  c.writer.simple('Background append only file rewriting started');
}

function role(c: Client): void {
  c.writer.array(3);
  c.writer.bulk('master');
  c.writer.integer(0);
  c.writer.array(0);
}

/** SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE]: stops the server; the connection closes without a reply. */
function shutdown(c: Client, argv: string[]): void {
  let save: boolean | null = null;
  for (const arg of argv.slice(1)) {
    const option = arg.toUpperCase();
    if (option === 'NOSAVE') save = false;
    else if (option === 'SAVE') save = true;
    else if (option !== 'NOW' && option !== 'FORCE') throw new ReplyError(errors.syntax);
  }
  const stop = c.engine.shutdownHook;
  if (!stop) throw new ReplyError('ERR SHUTDOWN is not available for an engine without a server');
  stop(save);
}

function monitor(c: Client): void {
  if (c.multi !== null) throw new ReplyError(errors.notAllowedInMulti);
  c.monitor = true;
  c.engine.monitors.add(c);
  c.writer.ok();
}

/** DEBUG subset: SLEEP, OBJECT, SET-ACTIVE-EXPIRE, JMAP-free things a test suite uses. */
function debug(c: Client, argv: string[]): void {
  const sub = argv[1]!.toUpperCase();
  switch (sub) {
    case 'SLEEP': {
      const seconds = parseDouble(argv[2] ?? '0') ?? 0;
      // Like Redis, DEBUG SLEEP blocks the whole server.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Math.max(0, seconds * 1000));
      c.writer.ok();
      return;
    }
    case 'OBJECT': {
      const key = argv[2];
      const value = key === undefined ? undefined : c.db.get(key);
      if (value === undefined) throw new ReplyError(errors.noSuchKey);
      const length = typeof value === 'string' ? value.length : 'size' in value ? value.size : value.length;
      c.writer.simple(
        `Value at:0x0 refcount:1 encoding:${typeof value === 'string' ? 'raw' : 'native'} serializedlength:${length} lru:0 lru_seconds_idle:0`,
      );
      return;
    }
    case 'POPULATE': {
      // DEBUG POPULATE count [prefix] [size]: count string keys prefix:N with value "value:N".
      const count = intArg(argv[2] ?? '', errors.notInteger);
      const prefix = argv[3] ?? 'key';
      const size = argv[4] === undefined ? 0 : intArg(argv[4]);
      if (count < 0) throw new ReplyError(errors.notInteger);
      for (let i = 0; i < count; i++) {
        const key = `${prefix}:${i}`;
        if (c.db.dict.has(key)) continue;
        let value = `value:${i}`;
        if (size > 0)
          value = value.length >= size ? value.slice(0, size) : value + '\0'.repeat(size - value.length);
        c.db.set(key, value);
      }
      c.engine.dirty += count;
      c.engine.accounting?.recount();
      c.writer.ok();
      return;
    }
    case 'SET-ACTIVE-EXPIRE':
      c.engine.activeExpireEnabled = argv[2] !== '0';
      c.writer.ok();
      return;
    case 'HELP':
      c.writer.bulks([
        'DEBUG <subcommand>',
        'SLEEP <seconds>',
        'OBJECT <key>',
        'POPULATE <count> [<prefix>] [<size>]',
        'SET-ACTIVE-EXPIRE <0|1>',
      ]);
      return;
    default:
      throw new ReplyError(errors.unknownSubcommand(argv[1]!, 'debug'));
  }
}

const admin = ['admin', 'noscript', 'loading', 'stale'] as const;

export const serverCommands: CommandSpec[] = [
  command('dbsize', 1, ['readonly', 'fast'], null, dbsize),
  command('flushdb', -1, ['write'], null, flushdb),
  command('flushall', -1, ['write'], null, flushall),
  command('swapdb', 3, ['write', 'fast'], null, swapdb),
  command('time', 1, ['loading', 'stale', 'fast'], null, time),
  command('lastsave', 1, ['loading', 'stale', 'fast'], null, lastsave),
  command('info', -1, ['loading', 'stale'], null, info),
  command('config', -2, admin, null, config),
  command('command', -1, ['loading', 'stale'], null, commandCommand),
  command('monitor', 1, [...admin, 'no_multi'], null, monitor),
  command('role', 1, ['noscript', 'loading', 'stale', 'fast'], null, role),
  command('shutdown', -1, [...admin, 'no_multi'], null, shutdown),
  command('save', 1, ['admin', 'noscript', 'no_multi'], null, save),
  command('bgsave', -1, ['admin', 'noscript', 'no_multi'], null, bgsave),
  command('bgrewriteaof', 1, ['admin', 'noscript', 'no_multi'], null, bgrewriteaof),
  command('debug', -2, admin, null, debug),
];
