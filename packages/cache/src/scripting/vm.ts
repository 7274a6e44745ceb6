import { type LuaEngine, type ReplyValue as LuaValue, load } from 'lua-redis-wasm';
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

/** The exports of the pinned lua-redis-wasm build that the budget needs (not in its typings). */
interface LimitExports {
  _set_limits?: (maxFuel: number, maxReplyBytes: number, maxArgBytes: number) => void;
}

/**
 * The one Lua 5.1 VM of the process (Redis's own Lua with cjson, cmsgpack, bit and struct,
 * compiled to WebAssembly). Scripts run synchronously and one at a time, so every cache engine
 * in the process can share it: the run in progress is the host its callbacks go to.
 */
class LuaVm {
  private current: ScriptHost | null = null;
  private fuel = -1;

  constructor(private readonly lua: LuaEngine) {}

  run(host: ScriptHost, body: Buffer, keys: Buffer[], args: Buffer[], timeLimitMs: number): LuaValue {
    if (this.current !== null) throw new Error('a script is already running');
    this.setBudget(timeLimitMs);
    this.current = host;
    try {
      return this.lua.evalWithArgs(body, keys, args);
    } finally {
      this.current = null;
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
    const exports = (this.lua as unknown as { exports: LimitExports }).exports;
    exports._set_limits?.(fuel, 0, 0);
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
