import { errors, ReplyError } from '../errors.js';
import { globMatch } from '../glob.js';
import type { Client } from '../server/client.js';
import { type CommandSpec, command } from './command.js';

/** Pub/sub (pubsub.c). Confirmations are push messages in RESP3, arrays in RESP2. */

function confirm(c: Client, kind: string, name: string | null): void {
  c.writer.push(3);
  c.writer.bulk(kind);
  if (name === null) c.writer.nil();
  else c.writer.bulk(name);
  c.writer.integer(c.subscriptions);
}

function subscribe(pattern: boolean) {
  return (c: Client, argv: string[]) => {
    const registry = pattern ? c.engine.patterns : c.engine.channels;
    const own = pattern ? c.patterns : c.channels;
    for (let i = 1; i < argv.length; i++) {
      const name = argv[i]!;
      if (!own.has(name)) {
        own.add(name);
        const set = registry.get(name);
        if (set) set.add(c);
        else registry.set(name, new Set([c]));
      }
      confirm(c, pattern ? 'psubscribe' : 'subscribe', name);
    }
  };
}

function unsubscribe(pattern: boolean) {
  return (c: Client, argv: string[]) => {
    const registry = pattern ? c.engine.patterns : c.engine.channels;
    const own = pattern ? c.patterns : c.channels;
    const kind = pattern ? 'punsubscribe' : 'unsubscribe';
    const names = argv.length > 1 ? argv.slice(1) : [...own];
    if (names.length === 0) {
      confirm(c, kind, null);
      return;
    }
    for (const name of names) {
      if (own.delete(name)) c.engine.unsubscribeFrom(registry, name, c);
      confirm(c, kind, name);
    }
  };
}

function publish(c: Client, argv: string[]): void {
  c.writer.integer(c.engine.publish(argv[1]!, argv[2]!));
}

function pubsub(c: Client, argv: string[]): void {
  const sub = argv[1]!.toUpperCase();
  const engine = c.engine;
  switch (sub) {
    case 'CHANNELS': {
      const pattern = argv[2];
      c.writer.bulks(
        [...engine.channels.keys()].filter((ch) => pattern === undefined || globMatch(pattern, ch)),
      );
      return;
    }
    case 'NUMSUB':
      c.writer.map(argv.length - 2);
      for (const channel of argv.slice(2)) {
        c.writer.bulk(channel);
        c.writer.integer(engine.channels.get(channel)?.size ?? 0);
      }
      return;
    case 'NUMPAT':
      c.writer.integer(engine.patterns.size);
      return;
    case 'SHARDCHANNELS':
      c.writer.array(0);
      return;
    case 'SHARDNUMSUB':
      c.writer.map(argv.length - 2);
      for (const channel of argv.slice(2)) {
        c.writer.bulk(channel);
        c.writer.integer(0);
      }
      return;
    case 'HELP':
      c.writer.bulks(['PUBSUB <subcommand>', 'CHANNELS [<pattern>]', 'NUMPAT', 'NUMSUB [<channel> ...]']);
      return;
    default:
      throw new ReplyError(errors.unknownSubcommand(argv[1]!, 'pubsub'));
  }
}

const flags = ['pubsub', 'noscript', 'loading', 'stale'] as const;

export const pubsubCommands: CommandSpec[] = [
  command('subscribe', -2, flags, null, subscribe(false)),
  command('psubscribe', -2, flags, null, subscribe(true)),
  command('unsubscribe', -1, flags, null, unsubscribe(false)),
  command('punsubscribe', -1, flags, null, unsubscribe(true)),
  command('publish', 3, ['pubsub', 'loading', 'stale', 'fast'], null, publish),
  command('pubsub', -2, ['pubsub', 'loading', 'stale'], null, pubsub),
];
