import { encodeArgs, type LuaEngine, type ReplyValue as LuaValue, load } from 'lua-redis-wasm';
import { REDIS_VERSION } from '../commands/connection.js';

export type { LuaValue };

/** What the VM calls back into while a script runs: the script run in progress. */
export interface ScriptHost {
  call(args: Buffer[], protectedCall: boolean): LuaValue;
  log(level: number, message: Buffer): void;
  setResp(version: number): void;
}

/**
 * Lua VM instructions per millisecond on this kind of machine (measured: a 1e8-instruction
 * budget stops `while true do end` after about 500 ms). The VM counts instructions, not time,
 * so the script time limit is turned into an instruction budget with this rate.
 */
const FUEL_PER_MS = 200_000;
const MAX_FUEL = 2 ** 31 - 1;

/**
 * The internals of the pinned lua-redis-wasm 1.5.0 used here (not in its typings): the
 * instruction budget setter, and the raw eval path. The public `evalWithArgs` hashes the whole
 * script with a JavaScript SHA1 on every run (a tenth of BullMQ's time); the SHA1 is already
 * known here. Both are checked at load time, with the public API as the fallback.
 */
interface EngineInternals {
  exports: {
    HEAPU8: Uint8Array;
    _alloc(size: number): number;
    _free_mem(ptr: number): void;
    _set_limits?: (maxFuel: number, maxReplyBytes: number, maxArgBytes: number) => void;
  };
  callEvalWithArgs?: (
    scriptPtr: number,
    scriptLen: number,
    argsPtr: number,
    argsLen: number,
    keys: number,
  ) => unknown;
  decodeResult?: (result: unknown, sha: string) => LuaValue;
}

/**
 * The one Lua 5.1 VM of the process (Redis's own Lua with cjson, cmsgpack, bit and struct,
 * compiled to WebAssembly). Scripts run synchronously and one at a time, so every cache engine
 * in the process can share it: the run in progress is the host its callbacks go to.
 */
class LuaVm {
  private current: ScriptHost | null = null;
  private fuel = -1;

  private readonly internals: EngineInternals;

  constructor(private readonly lua: LuaEngine) {
    this.internals = lua as unknown as EngineInternals;
  }

  run(
    host: ScriptHost,
    body: Buffer,
    sha: string,
    keys: Buffer[],
    args: Buffer[],
    timeLimitMs: number,
  ): LuaValue {
    if (this.current !== null) throw new Error('a script is already running');
    this.setBudget(timeLimitMs);
    this.current = host;
    try {
      return this.evaluate(body, sha, keys, args);
    } finally {
      this.current = null;
    }
  }

  private evaluate(body: Buffer, sha: string, keys: Buffer[], args: Buffer[]): LuaValue {
    const { exports, callEvalWithArgs, decodeResult } = this.internals;
    if (callEvalWithArgs === undefined || decodeResult === undefined)
      return this.lua.evalWithArgs(body, keys, args);
    const argv = encodeArgs([...keys, ...args]);
    const bodyPtr = exports._alloc(body.length);
    const argvPtr = exports._alloc(argv.length);
    try {
      exports.HEAPU8.set(body, bodyPtr);
      exports.HEAPU8.set(argv, argvPtr);
      const result = callEvalWithArgs.call(this.lua, bodyPtr, body.length, argvPtr, argv.length, keys.length);
      return decodeResult.call(this.lua, result, sha);
    } finally {
      exports._free_mem(bodyPtr);
      exports._free_mem(argvPtr);
    }
  }

  dispatch(args: Buffer[], protectedCall: boolean): LuaValue {
    if (this.current === null) return { err: Buffer.from('ERR redis.call outside of a script') };
    return this.current.call(args, protectedCall);
  }

  log(level: number, message: Buffer): void {
    this.current?.log(level, message);
  }

  setResp(version: number): void {
    this.current?.setResp(version);
  }

  /** Turns the time limit (0: none) into the VM's instruction budget, when it changed. */
  private setBudget(timeLimitMs: number): void {
    const fuel = timeLimitMs <= 0 ? MAX_FUEL : Math.min(MAX_FUEL, timeLimitMs * FUEL_PER_MS);
    if (fuel === this.fuel) return;
    this.internals.exports._set_limits?.(fuel, 0, 0);
    this.fuel = fuel;
  }
}

/**
 * The VM, loaded (WebAssembly compiled) once when the module is first imported: commands run
 * synchronously, so it must exist before the first EVAL arrives.
 */
export const luaVm: LuaVm = await load({
  limits: { maxFuel: 5000 * FUEL_PER_MS },
  redisProps: {
    REDIS_VERSION: { value: REDIS_VERSION },
    REDIS_VERSION_NUM: { value: versionNumber(REDIS_VERSION) },
  },
}).then((module) => {
  const callbacks: { vm: LuaVm | null } = { vm: null };
  const lua = module.create({
    redisCall: (args) => callbacks.vm!.dispatch(args, false),
    redisPcall: (args) => callbacks.vm!.dispatch(args, true),
    log: (level, message) => callbacks.vm!.log(level, message),
    onSetResp: (version) => callbacks.vm!.setResp(version),
  });
  callbacks.vm = new LuaVm(lua);
  return callbacks.vm;
});

/** redis.REDIS_VERSION_NUM: 7.2.4 is 0x070204. */
function versionNumber(version: string): number {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  return (major << 16) | (minor << 8) | patch;
}
