import { createHash, timingSafeEqual } from 'node:crypto';
import { errors, ReplyError } from '../errors.js';
import type { Client } from '../server/client.js';
import { intArg } from './args.js';
import { type CommandSpec, command } from './command.js';

/** The version clients see: the Redis release whose commands and replies this server follows. */
export const REDIS_VERSION = '7.2.4';

function ping(c: Client, argv: string[]): void {
  if (argv.length > 2) throw new ReplyError(errors.arity('ping'));
  // A RESP2 subscriber gets a pub/sub shaped pong (pubsub.c).
  if (c.protocol === 2 && c.subscriptions > 0) {
    c.writer.array(2);
    c.writer.bulk('pong');
    c.writer.bulk(argv[1] ?? '');
    return;
  }
  if (argv.length === 2) c.writer.bulk(argv[1]!);
  else c.writer.simple('PONG');
}

function select(c: Client, argv: string[]): void {
  const index = intArg(argv[1]!);
  const db = c.engine.dbs[index];
  if (!db) throw new ReplyError(errors.dbIndex);
  c.db = db;
  c.writer.ok();
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'latin1').digest();
}

/** Checks a username/password pair against requirepass (the `default` user), in constant time. */
function checkPassword(c: Client, username: string, password: string): boolean {
  const required = c.engine.config.get('requirepass');
  if (username !== 'default') return false;
  if (required === '') return true;
  return timingSafeEqual(digest(password), digest(required));
}

function auth(c: Client, argv: string[]): void {
  if (argv.length > 3) throw new ReplyError(errors.syntax);
  const username = argv.length === 3 ? argv[1]! : 'default';
  const password = argv[argv.length - 1]!;
  if (argv.length === 2 && c.engine.config.get('requirepass') === '')
    throw new ReplyError(errors.authNotConfigured);
  if (!checkPassword(c, username, password)) throw new ReplyError(errors.wrongPass);
  c.authenticated = true;
  c.writer.ok();
}

/** Names must be printable ASCII without spaces (CLIENT SETNAME rules). */
export function validClientName(name: string): boolean {
  return /^[\x21-\x7e]*$/.test(name);
}

/** HELLO [protover [AUTH username password] [SETNAME clientname]] */
function hello(c: Client, argv: string[]): void {
  let protocol = c.protocol;
  let i = 1;
  if (argv.length > 1) {
    const version = Number(argv[1]);
    if (!/^\d+$/.test(argv[1]!))
      throw new ReplyError('ERR Protocol version is not an integer or out of range');
    if (version !== 2 && version !== 3) throw new ReplyError(errors.noProto);
    protocol = version;
    i = 2;
  }
  let name: string | null = null;
  for (; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    if (option === 'AUTH' && i + 2 < argv.length) {
      if (!checkPassword(c, argv[i + 1]!, argv[i + 2]!)) throw new ReplyError(errors.wrongPass);
      c.authenticated = true;
      i += 2;
    } else if (option === 'SETNAME' && i + 1 < argv.length) {
      name = argv[++i]!;
      if (!validClientName(name)) throw new ReplyError(errors.clientName);
    } else throw new ReplyError(`ERR Syntax error in HELLO option '${argv[i]}'`);
  }
  if (!c.authenticated)
    throw new ReplyError(
      'NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time',
    );
  if (name !== null) c.name = name;
  c.writer.protocol = protocol;
  const w = c.writer;
  w.map(7);
  w.bulk('server');
  w.bulk('redis');
  w.bulk('version');
  w.bulk(REDIS_VERSION);
  w.bulk('proto');
  w.integer(protocol);
  w.bulk('id');
  w.integer(c.id);
  w.bulk('mode');
  w.bulk('standalone');
  w.bulk('role');
  w.bulk('master');
  w.bulk('modules');
  w.array(0);
}

function quit(c: Client): void {
  c.writer.ok();
  c.closeAfterReply = true;
}

/** RESET: back to a fresh connection's state (multi, watch, subscriptions, db, protocol, auth). */
function reset(c: Client): void {
  const engine = c.engine;
  c.multi = null;
  c.multiFailed = false;
  engine.unwatchAll(c);
  for (const channel of c.channels) engine.unsubscribeFrom(engine.channels, channel, c);
  for (const pattern of c.patterns) engine.unsubscribeFrom(engine.patterns, pattern, c);
  c.channels.clear();
  c.patterns.clear();
  engine.monitors.delete(c);
  c.monitor = false;
  c.db = engine.dbs[0]!;
  c.name = '';
  c.writer.protocol = 2;
  c.authenticated = engine.config.get('requirepass') === '';
  c.writer.simple('RESET');
}

function echo(c: Client, argv: string[]): void {
  c.writer.bulk(argv[1]!);
}

export const connectionCommands: CommandSpec[] = [
  command('ping', -1, ['fast', 'stale'], null, ping),
  command('echo', 2, ['fast'], null, echo),
  command('select', 2, ['loading', 'stale', 'fast'], null, select),
  command('auth', -2, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'skip_monitor'], null, auth),
  command('hello', -1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'skip_monitor'], null, hello),
  command('quit', -1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], null, quit),
  command('reset', 1, ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'], null, reset),
];
