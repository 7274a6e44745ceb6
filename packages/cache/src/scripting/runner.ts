import { createHash } from 'node:crypto';
import { arityOk, type CommandSpec, flagBit } from '../commands/command.js';
import { errors, ReplyError } from '../errors.js';
import { Client } from '../server/client.js';
import type { CacheEngine } from '../server/engine.js';
import { luaVm, type ScriptFailure, type ScriptHost } from './vm.js';

/**
 * Bounds of one engine's script cache. Redis 7.4+ evicts the least recently used EVAL-loaded
 * scripts beyond 500 (eval.c LRU_LIST_LENGTH); SCRIPT LOAD-ed ones are never evicted. The source
 * bound is Parley's own: the compiled functions live in the VM's fixed 64 MB heap (about 1 to 6
 * bytes of it per source byte, measured), so the cache cannot be allowed to fill it.
 */
export const scriptCacheLimits = {
  evalScripts: 500,
  sourceBytes: 4 * 1024 * 1024,
};

/** At most one VM-restart warning per engine per this many ms (a client looping on it). */
const RESTART_LOG_INTERVAL_MS = 60_000;

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
  cacheFull: (limit: number) =>
    `ERR Script cache full: the cached scripts' source would exceed ${limit} bytes (SCRIPT FLUSH empties it)`,
  notBusy: 'NOTBUSY No scripts in execution right now.',
} as const;

interface CachedScript {
  /** Source length (the cache's source bound). */
  length: number;
  /** EVAL-loaded: evicted, least recently run first, beyond 500 (SCRIPT LOAD-ed ones never are). */
  evictable: boolean;
  /** The run clock's value at its last run. */
  usedAt: number;
}

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
  /** The SHA1s this engine knows. */
  readonly scripts = new Map<string, CachedScript>();
  /** How many of them are EVAL-loaded (evictable). */
  private evalScripts = 0;
  /** Bumped by every run: a script's `usedAt` orders the EVAL-loaded ones for eviction. */
  private clock = 0;
  private sourceBytes = 0;
  /** EVAL scripts evicted (INFO evicted_scripts). */
  evicted = 0;
  private readonly caller: Client;
  /** VM restarts this engine's scripts caused that are not logged yet (rate limit). */
  private unloggedRestarts = 0;
  private restartLoggedAt = Number.NEGATIVE_INFINITY;

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

  /**
   * SCRIPT LOAD / first EVAL (`fromEval`): compiles the body once, returns its SHA1; throws on a
   * syntax error or when the cache's source bound is reached. A new EVAL script first evicts
   * the least recently used EVAL scripts beyond 500, as Redis 7.4+ does; either kind evicts EVAL
   * scripts (never SCRIPT LOAD-ed ones) to stay under the source bound.
   */
  load(body: string, fromEval: boolean, sha = sha1hex(body)): string {
    if (this.scripts.has(sha)) return sha;
    const limit = scriptCacheLimits.sourceBytes;
    if (body.length > limit) throw new ReplyError(scriptErrors.cacheFull(limit));
    const evicted = this.evicted;
    if (fromEval) while (this.evalScripts >= scriptCacheLimits.evalScripts) this.evictOldest();
    while (this.sourceBytes + body.length > limit && this.evalScripts > 0) this.evictOldest();
    if (this.evicted - evicted > 1) luaVm.collectGarbage();
    if (this.sourceBytes + body.length > limit) throw new ReplyError(scriptErrors.cacheFull(limit));
    let error: string | null;
    const restarts = luaVm.restarts;
    try {
      error = luaVm.define(sha, body);
    } finally {
      this.noteRestarts(restarts);
    }
    if (error !== null) throw new ReplyError(scriptErrors.compile(error));
    this.scripts.set(sha, { length: body.length, evictable: fromEval, usedAt: ++this.clock });
    this.sourceBytes += body.length;
    if (fromEval) this.evalScripts++;
    return sha;
  }

  /**
   * Evicts the least recently run EVAL-loaded script. A scan (at most a few hundred scripts,
   * only when one is loaded into a full cache) keeps the run path to one Map lookup, where a
   * list in recency order would be reordered on every run.
   */
  private evictOldest(): void {
    let oldest: string | undefined;
    let oldestAt = Number.POSITIVE_INFINITY;
    for (const [sha, script] of this.scripts)
      if (script.evictable && script.usedAt < oldestAt) {
        oldest = sha;
        oldestAt = script.usedAt;
      }
    if (oldest === undefined) return;
    this.sourceBytes -= this.scripts.get(oldest)!.length;
    this.scripts.delete(oldest);
    this.evalScripts--;
    luaVm.release(oldest);
    this.evicted++;
  }

  /**
   * Logs the VM restarts since `before` (a script filled the heap): at most one line a minute,
   * counting the ones held back since the last line.
   */
  private noteRestarts(before: number): void {
    const count = luaVm.restarts - before;
    if (count === 0) return;
    this.unloggedRestarts += count;
    const now = Date.now();
    if (now - this.restartLoggedAt < RESTART_LOG_INTERVAL_MS) return;
    this.engine.logger?.warn(
      { restarts: this.unloggedRestarts },
      'cache: a script ran out of Lua memory (64 MB); it got an error reply and the Lua VM was restarted',
    );
    this.unloggedRestarts = 0;
    this.restartLoggedAt = now;
  }

  /**
   * Runs a cached script for client `c` and writes its reply. The script runs to completion
   * synchronously, so no other command can interleave (atomicity); its writes reach the AOF as
   * their own commands (effects replication, Redis 7's only mode) inside MULTI/EXEC.
   */
  run(c: Client, sha: string, keys: string[], args: string[], readOnly: boolean): void {
    let script = this.scripts.get(sha);
    if (script === undefined) {
      // EVALSHA takes the SHA1 in either case; clients send it in lower case.
      sha = sha.toLowerCase();
      script = this.scripts.get(sha);
      if (script === undefined) throw new ReplyError(errors.noScript);
    }
    script.usedAt = ++this.clock;
    const caller = this.caller;
    caller.db = c.db;
    caller.writer.protocol = 2;
    const run = new ScriptRun(this.engine, caller, readOnly);
    const bracket = !c.inExec;
    if (bracket) this.engine.beginTransaction(caller);
    let failure: ScriptFailure | null;
    const restarts = luaVm.restarts;
    try {
      const timeLimit = this.engine.config.number('busy-reply-threshold');
      failure = luaVm.run(run, sha, keys, args, timeLimit, c.writer);
    } finally {
      if (bracket) this.engine.endTransaction(caller);
      caller.writer.take();
      this.noteRestarts(restarts);
    }
    // Clients blocked on keys the script pushed to are served after it, never in the middle.
    this.engine.serveReadyKeysIfAny();
    if (failure !== null) c.writer.error(failureMessage(failure, sha));
  }

  flush(): void {
    for (const sha of this.scripts.keys()) luaVm.release(sha);
    this.scripts.clear();
    this.evalScripts = 0;
    this.sourceBytes = 0;
    luaVm.collectGarbage();
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
