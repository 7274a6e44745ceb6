import { errors, ReplyError } from '../errors.js';
import type { Client } from '../server/client.js';
import { type CommandSpec, command } from './command.js';

/**
 * MULTI/EXEC/DISCARD/WATCH (multi.c). Queuing happens in the dispatcher; EXEC runs the queue
 * atomically (nothing else runs in between on this single thread) unless a queued command
 * failed to queue (EXECABORT) or a WATCHed key changed (null reply).
 */

function multi(c: Client): void {
  if (c.multi !== null) throw new ReplyError(errors.multiNested);
  c.multi = [];
  c.multiFailed = false;
  c.writer.ok();
}

function discard(c: Client): void {
  if (c.multi === null) throw new ReplyError(errors.discardWithoutMulti);
  c.multi = null;
  c.multiFailed = false;
  c.engine.unwatchAll(c);
  c.writer.ok();
}

function exec(c: Client): void {
  const queue = c.multi;
  if (queue === null) throw new ReplyError(errors.execWithoutMulti);
  const engine = c.engine;
  c.multi = null;
  if (c.multiFailed) {
    c.multiFailed = false;
    engine.unwatchAll(c);
    throw new ReplyError(errors.execAbort);
  }
  if (c.dirtyCas || engine.watchedKeyExpired(c)) {
    engine.unwatchAll(c);
    c.writer.nilArray();
    return;
  }
  engine.unwatchAll(c);
  c.writer.array(queue.length);
  c.inExec = true;
  engine.beginTransaction(c);
  try {
    for (const { spec, argv } of queue) {
      // The OOM check of queued write commands happens at EXEC time, as in Redis.
      if (engine.memoryGuard !== null && spec.flags.includes('denyoom') && !engine.memoryGuard()) {
        c.writer.error(errors.oom);
        continue;
      }
      engine.call(c, spec, argv);
    }
  } finally {
    c.inExec = false;
    engine.endTransaction(c);
  }
}

function watch(c: Client, argv: string[]): void {
  if (c.multi !== null) throw new ReplyError(errors.watchInMulti);
  for (let i = 1; i < argv.length; i++) c.engine.watch(c, argv[i]!);
  c.writer.ok();
}

function unwatch(c: Client): void {
  c.engine.unwatchAll(c);
  c.writer.ok();
}

const flags = ['noscript', 'loading', 'stale', 'fast', 'allow_busy'] as const;

export const transactionCommands: CommandSpec[] = [
  command('multi', 1, flags, null, multi),
  command('exec', 1, ['noscript', 'loading', 'stale', 'skip_monitor'], null, exec),
  command('discard', 1, flags, null, discard),
  command('watch', -2, flags, [1, -1, 1], watch),
  command('unwatch', 1, flags, null, unwatch),
];
