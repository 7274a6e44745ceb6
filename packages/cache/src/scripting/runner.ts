import { createHash } from 'node:crypto';
import { arityOk, type CommandSpec, flagBit } from '../commands/command.js';
import { errors, ReplyError } from '../errors.js';
import { Client } from '../server/client.js';
import type { CacheEngine } from '../server/engine.js';
import { luaVm, type ScriptFailure, type ScriptHost } from './vm.js';

/** Script errors as Redis 7 words them (script_lua.c, script.c). */
export const scriptErrors = {
  noArgs: 'ERR Please specify at least one argument for this redis lib call',
  unknownCommand: 'ERR Unknown Redis command called from script',
  arity: 'ERR Wrong number of args calling Redis command from script',
  notAllowed: 'ERR This Redis command is not allowed from script',
  readOnly: 'ERR Write commands are not allowed from read-only scripts.',
  argType: 'ERR Lua redis lib command arguments must be strings or integers',
  timeLimit: 'ERR Script killed: it ran longer than the script time limit (busy-reply-threshold)',
  globalRead: (line: number, name: string) =>
    `ERR user_script:${line}: Script attempted to access nonexistent global variable '${name}'`,
  compile: (message: string) => `ERR Error compiling script (new function): ${message}`,
  notBusy: 'NOTBUSY No scripts in execution right now.',
} as const;

/** Redis 7 refuses blocking commands in scripts, except the stream reads (which then never block). */
const STREAM_READS = new Set(['xread', 'xreadgroup']);

export function sha1hex(body: string): string {
  return createHash('sha1').update(body, 'latin1').digest('hex');
}

/**
 * One engine's scripting state (Redis's lctx): the SHA1s of the scripts this engine knows (the
 * compiled functions live in the process's one VM), and the connection-less client scripts run
 * their commands through.
 */
export class Scripting {
  readonly scripts = new Set<string>();
  private readonly caller: Client;

  private constructor(private readonly engine: CacheEngine) {
    this.caller = new Client(engine, null, luaVm.replies);
    this.caller.authenticated = true;
  }

  private static readonly byEngine = new WeakMap<CacheEngine, Scripting>();

  static of(engine: CacheEngine): Scripting {
    let scripting = Scripting.byEngine.get(engine);
    if (scripting === undefined) {
      scripting = new Scripting(engine);
      Scripting.byEngine.set(engine, scripting);
    }
    return scripting;
  }

  /** SCRIPT LOAD / first EVAL: compiles the body once, returns its SHA1; throws on a syntax error. */
  load(body: string, sha = sha1hex(body)): string {
    if (this.scripts.has(sha)) return sha;
    const error = luaVm.define(sha, body);
    if (error !== null) throw new ReplyError(scriptErrors.compile(error));
    this.scripts.add(sha);
    return sha;
  }

  /**
   * Runs a cached script for client `c` and writes its reply. The script runs to completion
   * synchronously, so no other command can interleave (atomicity); its writes reach the AOF as
   * their own commands (effects replication, Redis 7's only mode) inside MULTI/EXEC.
   */
  run(c: Client, sha: string, keys: string[], args: string[], readOnly: boolean): void {
    if (!this.scripts.has(sha)) throw new ReplyError(errors.noScript);
    const caller = this.caller;
    caller.db = c.db;
    caller.writer.protocol = 2;
    const run = new ScriptRun(this.engine, caller, readOnly);
    const bracket = !c.inExec;
    if (bracket) this.engine.beginTransaction(caller);
    let failure: ScriptFailure | null;
    try {
      const timeLimit = this.engine.config.number('busy-reply-threshold');
      failure = luaVm.run(run, sha, keys, args, timeLimit, c.writer);
    } finally {
      if (bracket) this.engine.endTransaction(caller);
      caller.writer.take();
    }
    // Clients blocked on keys the script pushed to are served after it, never in the middle.
    this.engine.serveReadyKeysIfAny();
    if (failure !== null) c.writer.error(failureMessage(failure, sha));
  }

  flush(): void {
    for (const sha of this.scripts) luaVm.release(sha);
    this.scripts.clear();
  }
}

/** The host side of one script execution: redis.call/pcall, redis.log, redis.setresp. */
class ScriptRun implements ScriptHost {
  constructor(
    private readonly engine: CacheEngine,
    private readonly caller: Client,
    private readonly readOnly: boolean,
  ) {}

  call(argv: string[]): void {
    const caller = this.caller;
    const spec = this.resolve(argv);
    if (typeof spec === 'string') {
      caller.writer.error(spec);
      return;
    }
    const stats = this.engine.stats;
    const internalErrors = stats.internalErrors;
    this.engine.call(caller, spec, argv);
    // A command that failed on a bug may have written part of its reply before the error.
    if (stats.internalErrors !== internalErrors) {
      caller.writer.take();
      caller.writer.error(`ERR internal error in '${spec.name}'`);
    }
  }

  /** The command to run, or the error that refuses it inside a script. */
  private resolve(argv: string[]): CommandSpec | string {
    if (argv.length === 0) return scriptErrors.noArgs;
    const spec = this.engine.lookupCommand(argv[0]!);
    if (spec === undefined) return scriptErrors.unknownCommand;
    if (!arityOk(spec.arity, argv.length)) return scriptErrors.arity;
    const bits = spec.bits;
    if ((bits & flagBit.noscript) !== 0 || ((bits & flagBit.blocking) !== 0 && !STREAM_READS.has(spec.name)))
      return scriptErrors.notAllowed;
    if ((bits & flagBit.write) !== 0 && this.readOnly) return scriptErrors.readOnly;
    const guard = this.engine.memoryGuard;
    if (guard !== null && (bits & flagBit.denyoom) !== 0 && !guard()) return errors.oom;
    return spec;
  }

  log(level: number, message: Buffer): void {
    scriptLog(level, message.toString('utf8'));
  }

  setResp(version: number): void {
    this.caller.writer.protocol = version === 3 ? 3 : 2;
  }
}

/** Where redis.log goes; the embedding application may replace it (the server has no log file). */
export let scriptLog: (level: number, message: string) => void = () => {};

export function setScriptLog(log: (level: number, message: string) => void): void {
  scriptLog = log;
}

const ERROR_MARKER = '__RLUA_E__:';

/**
 * The reply for a script stopped by an error, in Redis 7's words: `<error> script: <sha>, on
 * @user_script:<line>.`. The VM marks the errors it raises itself (a read of an undefined global,
 * a bad redis.call argument) as `__RLUA_E__:<kind>:<name>`; an error without a code gets `ERR`.
 */
function failureMessage(failure: ScriptFailure, sha: string): string {
  const { message } = failure;
  const line = failure.line || Number(/^user_script:(\d+):/.exec(message)?.[1] ?? 1) || 1;
  const marker = message.indexOf(ERROR_MARKER);
  let text: string;
  if (marker >= 0) {
    const [kind = '', name = ''] = splitOnce(message.slice(marker + ERROR_MARKER.length), ':');
    if (kind === 'global-read') text = scriptErrors.globalRead(line, name);
    else if (kind === 'command-arg-type') text = scriptErrors.argType;
    else text = `ERR ${kind}`;
  } else if (message.endsWith('Script killed by fuel limit')) text = scriptErrors.timeLimit;
  else text = (/^[A-Z][A-Z0-9]* /.test(message) ? message : `ERR ${message}`).replace(/\0+$/, '');
  return `${text} script: ${sha}, on @user_script:${line}.`;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}
