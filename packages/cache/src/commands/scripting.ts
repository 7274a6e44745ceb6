import { errors, ReplyError } from '../errors.js';
import { Scripting, scriptErrors } from '../scripting/runner.js';
import type { Client } from '../server/client.js';
import { parseInt64 } from './args.js';
import { type CommandSpec, command, numkeysAt } from './command.js';

/** EVAL script numkeys key... arg...: the keys and args, checked the way Redis checks numkeys. */
function keysAndArgs(argv: string[]): [string[], string[]] {
  const numkeys = parseInt64(argv[2]!);
  if (numkeys === undefined) throw new ReplyError(errors.notInteger);
  if (numkeys < 0) throw new ReplyError("ERR Number of keys can't be negative");
  if (numkeys > argv.length - 3) throw new ReplyError(errors.numkeysLarge);
  return [argv.slice(3, 3 + numkeys), argv.slice(3 + numkeys)];
}

function evalWith(readOnly: boolean) {
  return (c: Client, argv: string[]): void => {
    const [keys, args] = keysAndArgs(argv);
    const scripting = Scripting.of(c.engine);
    scripting.run(c, scripting.load(argv[1]!, true), keys, args, readOnly);
  };
}

function evalshaWith(readOnly: boolean) {
  return (c: Client, argv: string[]): void => {
    const [keys, args] = keysAndArgs(argv);
    Scripting.of(c.engine).run(c, argv[1]!, keys, args, readOnly);
  };
}

function script(c: Client, argv: string[]): void {
  const sub = argv[1]!.toUpperCase();
  const scripting = Scripting.of(c.engine);
  switch (sub) {
    case 'LOAD':
      if (argv.length !== 3) throw new ReplyError(errors.subArity('script', 'load'));
      c.writer.bulk(scripting.load(argv[2]!, false));
      return;
    case 'EXISTS':
      if (argv.length < 3) throw new ReplyError(errors.subArity('script', 'exists'));
      c.writer.array(argv.length - 2);
      for (const sha of argv.slice(2)) c.writer.integer(scripting.scripts.has(sha.toLowerCase()) ? 1 : 0);
      return;
    case 'FLUSH': {
      if (argv.length > 3) throw new ReplyError(errors.subArity('script', 'flush'));
      const mode = argv[2]?.toUpperCase();
      if (mode !== undefined && mode !== 'SYNC' && mode !== 'ASYNC')
        throw new ReplyError('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
      scripting.flush();
      c.writer.ok();
      return;
    }
    case 'KILL':
      if (argv.length !== 2) throw new ReplyError(errors.subArity('script', 'kill'));
      // Scripts run to completion inside one command, so none is ever running when this arrives.
      throw new ReplyError(scriptErrors.notBusy);
    case 'HELP':
      c.writer.bulks([
        'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
        'EXISTS <sha1> [<sha1> ...]',
        'FLUSH [ASYNC|SYNC]',
        'KILL',
        'LOAD <script>',
        'HELP',
      ]);
      return;
    default:
      throw new ReplyError(errors.unknownSubcommand(argv[1]!, 'script'));
  }
}

/** EVAL-family keys: `numkeys` at argument 2, the keys right after it. */
const evalKeys = numkeysAt(2);

const evalFlags = ['noscript', 'stale', 'skip_monitor', 'movablekeys'] as const;

export const scriptingCommands: CommandSpec[] = [
  command('eval', -3, evalFlags, null, evalWith(false), { keys: evalKeys }),
  command('evalsha', -3, evalFlags, null, evalshaWith(false), { keys: evalKeys }),
  command('eval_ro', -3, [...evalFlags, 'readonly'], null, evalWith(true), { keys: evalKeys }),
  command('evalsha_ro', -3, [...evalFlags, 'readonly'], null, evalshaWith(true), { keys: evalKeys }),
  command('script', -2, ['noscript', 'stale', 'allow_busy'], null, script),
];
