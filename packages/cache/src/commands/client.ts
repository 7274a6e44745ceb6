import { errors, ReplyError } from '../errors.js';
import type { Client } from '../server/client.js';
import { intArg } from './args.js';
import { type CommandSpec, command } from './command.js';
import { validClientName } from './connection.js';

/** CLIENT subcommands (networking.c clientCommand). */

function flagsOf(c: Client): string {
  let flags = '';
  if (c.multi !== null) flags += 'x';
  if (c.blocked) flags += 'b';
  if (c.subscriptions > 0) flags += 'P';
  if (c.monitor) flags += 'O';
  if (c.dirtyCas) flags += 'd';
  if (c.closeAfterReply) flags += 'c';
  return flags || 'N';
}

export function describeClient(c: Client): string {
  const now = c.engine.clock.now();
  const fields: [string, string | number][] = [
    ['id', c.id],
    ['addr', c.transport?.remoteAddress ?? ''],
    ['laddr', c.transport?.localAddress ?? ''],
    ['name', c.name],
    ['age', Math.floor((now - c.createdAt) / 1000)],
    ['idle', Math.floor((now - c.lastInteraction) / 1000)],
    ['flags', flagsOf(c)],
    ['db', c.db.id],
    ['sub', c.channels.size],
    ['psub', c.patterns.size],
    ['ssub', 0],
    ['multi', c.multi === null ? -1 : c.multi.length],
    ['watch', c.watched.length],
    ['cmd', c.lastCommand],
    ['user', 'default'],
    ['resp', c.protocol],
    ['lib-name', c.libName],
    ['lib-ver', c.libVersion],
  ];
  return fields.map(([k, v]) => `${k}=${v}`).join(' ');
}

function typeOfClient(c: Client): string {
  if (c.monitor) return 'monitor';
  if (c.subscriptions > 0) return 'pubsub';
  return 'normal';
}

function list(c: Client, argv: string[]): void {
  let clients = [...c.engine.clients.values()];
  for (let i = 2; i < argv.length; i++) {
    const option = argv[i]!.toUpperCase();
    if (option === 'TYPE' && i + 1 < argv.length) {
      const wanted = argv[++i]!.toLowerCase();
      if (!['normal', 'master', 'replica', 'pubsub', 'slave'].includes(wanted))
        throw new ReplyError(`ERR Unknown client type '${argv[i]}'`);
      clients = clients.filter((client) => typeOfClient(client) === wanted);
    } else if (option === 'ID' && i + 1 < argv.length) {
      const ids = new Set(argv.slice(i + 1).map((id) => intArg(id, 'ERR Invalid client ID')));
      clients = clients.filter((client) => ids.has(client.id));
      break;
    } else throw new ReplyError(errors.syntax);
  }
  c.writer.verbatim(clients.map((client) => `${describeClient(client)}\n`).join(''));
}

/** CLIENT KILL ip:port | CLIENT KILL [ID id] [ADDR ip:port] [LADDR ip:port] [TYPE t] [USER u] [SKIPME yes/no] */
function kill(c: Client, argv: string[]): void {
  const clients = [...c.engine.clients.values()];
  if (argv.length === 3) {
    const target = clients.find((client) => client.transport?.remoteAddress === argv[2]);
    if (!target) throw new ReplyError(errors.noSuchClient);
    target.closeAfterReply = true;
    if (target !== c) target.close();
    c.writer.ok();
    return;
  }
  let skipMe = true;
  const filters: ((client: Client) => boolean)[] = [];
  for (let i = 2; i < argv.length; i += 2) {
    const option = argv[i]!.toUpperCase();
    const value = argv[i + 1];
    if (value === undefined) throw new ReplyError(errors.syntax);
    if (option === 'ID') {
      const id = intArg(value, 'ERR client-id should be greater than 0');
      filters.push((client) => client.id === id);
    } else if (option === 'ADDR') filters.push((client) => client.transport?.remoteAddress === value);
    else if (option === 'LADDR') filters.push((client) => client.transport?.localAddress === value);
    else if (option === 'TYPE') filters.push((client) => typeOfClient(client) === value.toLowerCase());
    else if (option === 'USER') filters.push(() => value === 'default');
    else if (option === 'SKIPME') skipMe = value.toLowerCase() === 'yes';
    else throw new ReplyError(errors.syntax);
  }
  let killed = 0;
  for (const client of clients) {
    if (skipMe && client === c) continue;
    if (!filters.every((f) => f(client))) continue;
    killed++;
    if (client === c) c.closeAfterReply = true;
    else client.close();
  }
  c.writer.integer(killed);
}

function unblock(c: Client, argv: string[]): void {
  const target = c.engine.clients.get(intArg(argv[2]!));
  const mode = (argv[3] ?? 'TIMEOUT').toUpperCase();
  if (mode !== 'TIMEOUT' && mode !== 'ERROR')
    throw new ReplyError('ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR');
  if (!target?.blocked) {
    c.writer.integer(0);
    return;
  }
  const state = target.blocked;
  c.engine.unblock(target);
  if (mode === 'ERROR') target.writer.error('UNBLOCKED client unblocked via CLIENT UNBLOCK');
  else state.onTimeout(target);
  c.engine.scheduleFlush(target);
  queueMicrotask(() => target.processInput());
  c.writer.integer(1);
}

function client(c: Client, argv: string[]): void {
  const sub = argv[1]!.toUpperCase();
  const arity = (n: number) => {
    if (n > 0 ? argv.length !== n : argv.length < -n)
      throw new ReplyError(errors.subArity('client', sub.toLowerCase()));
  };
  switch (sub) {
    case 'ID':
      arity(2);
      c.writer.integer(c.id);
      return;
    case 'SETNAME':
      arity(3);
      if (!validClientName(argv[2]!)) throw new ReplyError(errors.clientName);
      c.name = argv[2]!;
      c.writer.ok();
      return;
    case 'GETNAME':
      arity(2);
      if (c.name === '') c.writer.nil();
      else c.writer.bulk(c.name);
      return;
    case 'SETINFO': {
      arity(4);
      const attr = argv[2]!.toUpperCase();
      if (!validClientName(argv[3]!)) throw new ReplyError(errors.clientName);
      if (attr === 'LIB-NAME') c.libName = argv[3]!;
      else if (attr === 'LIB-VER') c.libVersion = argv[3]!;
      else throw new ReplyError(`ERR Unrecognized option '${argv[2]}'`);
      c.writer.ok();
      return;
    }
    case 'LIST':
      list(c, argv);
      return;
    case 'INFO':
      arity(2);
      c.writer.verbatim(`${describeClient(c)}\n`);
      return;
    case 'KILL':
      arity(-3);
      kill(c, argv);
      return;
    case 'UNBLOCK':
      arity(-3);
      unblock(c, argv);
      return;
    case 'NO-EVICT':
    case 'NO-TOUCH': {
      arity(3);
      const value = argv[2]!.toUpperCase();
      if (value !== 'ON' && value !== 'OFF') throw new ReplyError(errors.syntax);
      c.writer.ok();
      return;
    }
    case 'HELP':
      c.writer.bulks([
        'CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'GETNAME',
        'ID',
        'INFO',
        'KILL <ip:port> | KILL <option> <value> [...]',
        'LIST [TYPE <type>] [ID <id> ...]',
        'SETINFO <LIB-NAME|LIB-VER> <value>',
        'SETNAME <name>',
        'UNBLOCK <id> [TIMEOUT|ERROR]',
      ]);
      return;
    default:
      throw new ReplyError(errors.unknownSubcommand(argv[1]!, 'client'));
  }
}

export const clientCommands: CommandSpec[] = [
  command('client', -2, ['admin', 'noscript', 'loading', 'stale'], null, client),
];
