import { createHash } from 'node:crypto';
import { arityOk } from '../commands/command.js';
import { errors, ReplyError } from '../errors.js';
import { Client } from '../server/client.js';
import type { CacheEngine } from '../server/engine.js';
import { errorText, respToLua, writeLua } from './convert.js';
import { stripLua } from './strip.js';
import { type LuaValue, luaVm, type ScriptHost } from './vm.js';

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

/** Compiles a script without running it, the way Redis does on SCRIPT LOAD and a new EVAL. */
const COMPILE_CHECK = Buffer.from(
  "local f, e = loadstring(ARGV[1], '@user_script') if f then return nil end return e",
);

/**
 * Redis runs a script as the body of a function and keeps its first return value; the VM keeps
 * the last. Wrapping the body (on its first line, so line numbers do not move) in a vararg
 * function, as the main chunk is, and adjusting the call to one value gives Redis's result for
 * `return a, b`.
 */
function asFunction(body: string): Buffer {
  return Buffer.from(`return ((function(...) ${stripLua(body)}\nend)())`, 'latin1');
}

const COMPILE_CHECK_SHA = sha1hex(COMPILE_CHECK.toString('latin1'));

export function sha1hex(body: string): string {
  return createHash('sha1').update(body, 'latin1').digest('hex');
}

/**
 * One engine's scripting state (Redis's lctx): the script cache keyed by SHA1, and the
 * connection-less client scripts run their commands through.
 */
export class Scripting {
  /** sha1 → the script, as the VM runs it. */
  readonly scripts = new Map<string, Buffer>();
  private readonly caller: Client;

  private constructor(private readonly engine: CacheEngine) {
    this.caller = new Client(engine, null);
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

  /** SCRIPT LOAD / first EVAL: compiles the body, caches it, returns its SHA1; throws on a syntax error. */
  load(body: string, sha = sha1hex(body)): string {
    if (this.scripts.has(sha)) return sha;
    const host: ScriptHost = { call: () => null, log: () => {}, setResp: () => {} };
    const result = luaVm.run(host, COMPILE_CHECK, COMPILE_CHECK_SHA, [], [Buffer.from(body, 'latin1')], 0);
    if (Buffer.isBuffer(result)) throw new ReplyError(scriptErrors.compile(result.toString('latin1')));
    this.scripts.set(sha, asFunction(body));
    return sha;
  }

  /**
   * Runs a cached script for client `c` and writes its reply. The script runs to completion
   * synchronously, so no other command can interleave (atomicity); its writes reach the AOF as
   * their own commands (effects replication, Redis 7's only mode) inside MULTI/EXEC.
   */
  run(c: Client, sha: string, keys: string[], args: string[], readOnly: boolean): void {
    const body = this.scripts.get(sha);
    if (body === undefined) throw new ReplyError(errors.noScript);
    const caller = this.caller;
    caller.db = c.db;
    caller.writer.protocol = 2;
    const run = new ScriptRun(this.engine, caller, readOnly);
    const bracket = !c.inExec;
    if (bracket) this.engine.beginTransaction(caller);
    let result: LuaValue;
    try {
      result = luaVm.run(
        run,
        body,
        sha,
        keys.map((key) => Buffer.from(key, 'latin1')),
        args.map((arg) => Buffer.from(arg, 'latin1')),
        this.engine.config.number('busy-reply-threshold'),
      );
    } finally {
      if (bracket) this.engine.endTransaction(caller);
      caller.writer.take();
    }
    // Clients blocked on keys the script pushed to are served after it, never in the middle.
    this.engine.serveReadyKeysIfAny();
    writeResult(c, result, sha);
  }

  flush(): void {
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

  call(args: Buffer[]): LuaValue {
    if (args.length === 0) return fail(scriptErrors.noArgs);
    const argv = args.map((arg) => arg.toString('latin1'));
    const spec = this.engine.lookupCommand(argv[0]!);
    if (spec === undefined) return fail(scriptErrors.unknownCommand);
    if (!arityOk(spec.arity, argv.length)) return fail(scriptErrors.arity);
    if (spec.flags.includes('noscript') || (spec.flags.includes('blocking') && !STREAM_READS.has(spec.name)))
      return fail(scriptErrors.notAllowed);
    const write = spec.flags.includes('write');
    if (write && this.readOnly) return fail(scriptErrors.readOnly);
    const guard = this.engine.memoryGuard;
    if (guard !== null && spec.flags.includes('denyoom') && !guard()) return fail(errors.oom);
    this.engine.call(this.caller, spec, argv);
    return respToLua(this.caller.writer.take());
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

function fail(message: string): LuaValue {
  return { err: Buffer.from(message, 'latin1') };
}

/** The script's value as the reply, or a script-aborting error in Redis's wording. */
function writeResult(c: Client, result: LuaValue, sha: string): void {
  if (result === null || typeof result !== 'object' || !('err' in result) || result.meta === undefined) {
    writeLua(c.writer, result);
    return;
  }
  const { kind, name, line } = result.meta;
  let message: string;
  if (kind === 'global-read') message = scriptErrors.globalRead(line, name ?? '');
  else if (kind === 'command-arg-type') message = scriptErrors.argType;
  else if (result.err.toString('latin1').endsWith('Script killed by fuel limit'))
    message = scriptErrors.timeLimit;
  else message = errorText(result.err, result.code).replace(/\0+$/, '');
  c.writer.error(`${message} script: ${sha}, on @user_script:${line}.`);
}
