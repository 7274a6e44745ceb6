import { load } from 'lua-redis-wasm';
import { REDIS_VERSION } from '../commands/connection.js';
import { ReplyError } from '../errors.js';
import { latin1Slice, latin1Write } from '../protocol/latin1.js';
import { ReplyWriter } from '../protocol/writer.js';
import { AbiEncoder, AbiReplyWriter, writeAbi } from './abi.js';

/** What the VM calls back into while a script runs: the script run in progress. */
export interface ScriptHost {
  /** redis.call / redis.pcall: runs the command, its reply written to `luaVm.replies`. */
  call(argv: string[]): void;
  log(level: number, message: Buffer): void;
  setResp(version: number): void;
}

/** A script that stopped with an error (REPLY_SCRIPT_ERROR): the runner words it as Redis does. */
export interface ScriptFailure {
  /** The error as the VM raised it: `CODE message`, a Lua message, or an engine marker. */
  message: string;
  /** The script line the error came from; 0 when the VM did not know (compile errors). */
  line: number;
}

/**
 * Lua VM instructions per millisecond on this kind of machine (measured: a 1e8-instruction
 * budget stops `while true do end` after about 500 ms). The VM counts instructions, not time,
 * so the script time limit is turned into an instruction budget with this rate.
 */
const FUEL_PER_MS = 200_000;
const MAX_FUEL = 2 ** 31 - 1;
const REPLY_SCRIPT_ERROR = 0x06;
const VM_OUT_OF_MEMORY =
  'ERR The script ran out of Lua memory (64 MB); it was stopped and the Lua VM restarted (writes it made are kept)';

const VM_ARGS_TOO_LARGE = "ERR The script's keys and arguments do not fit in the Lua VM's memory (64 MB)";

/**
 * Thrown out of the VM by the replaced emscripten imports when its fixed heap cannot grow or
 * its C code aborts: unwinds the WebAssembly stack as the package's own abort does, without
 * the "Aborted(OOM)" line it prints on every occurrence (the runner logs, rate-limited).
 */
class LuaVmFault extends Error {
  override readonly name = 'LuaVmFault';
}

/** The parts of the WebAssembly global used here (this package builds without the DOM types). */
const webAssembly = (
  globalThis as unknown as {
    WebAssembly: {
      instantiate(source: unknown, imports?: Record<string, Record<string, unknown>>): Promise<unknown>;
      RuntimeError: new () => Error;
    };
  }
).WebAssembly;

/**
 * The raw exports of the pinned lua-redis-wasm 1.5.0 (not in its typings). The package's own
 * eval path compiles the script on every call, hashes it with a JavaScript SHA1 and copies every
 * argument and reply through intermediate Buffers; scripts here are compiled once (see LuaVm)
 * and called through these exports directly.
 */
interface WasmExports {
  HEAPU8: Uint8Array;
  _alloc(size: number): number;
  _free_mem(ptr: number): void;
  _set_limits(maxFuel: number, maxReplyBytes: number, maxArgBytes: number): void;
  /** Closes the Lua state and opens a fresh one (the C heap outside Lua is kept). */
  _reset(): number;
  /** PtrLen eval_with_args(script, len, args, len, numkeys), returned through `ret` (sret). */
  _eval_with_args(
    ret: number,
    script: number,
    scriptLen: number,
    args: number,
    argsLen: number,
    keys: number,
  ): void;
}

/** The host imports the package routes through a mutable handler table (its `load()` result). */
interface ModuleInternals {
  exports: WasmExports;
  handlers: {
    call: (...abi: number[]) => unknown;
    pcall: (...abi: number[]) => unknown;
  };
}

/** The global the compiled scripts hang from: a name no Lua identifier can spell. */
const STORE = "_G['parley scripts']";

/**
 * Defines a script once, as Redis 7 does in luaCreateFunction: the body compiled as a chunk
 * named @user_script (so errors read `user_script:<line>:`), kept under its SHA1. ARGV is
 * {sha, body}; the result is the compile error, or nil.
 */
const DEFINE = `local f, e = loadstring(ARGV[2], '@user_script') if not f then return e end ${STORE}[ARGV[1]] = f`;
const FORGET = `${STORE}[ARGV[1]] = nil`;

/**
 * The one Lua 5.1 VM of the process (Redis's own Lua with cjson, cmsgpack, bit and struct,
 * compiled to WebAssembly). Scripts run synchronously and one at a time, so every cache engine
 * in the process can share it: the run in progress is the host its callbacks go to.
 *
 * Each script is compiled once into a Lua function kept in a table under the globals; a call
 * runs a one-line chunk that calls it (`return (<store>['<sha>']())`: the parentheses keep the
 * first value, as Redis does), so the per-call compile is of that line only, whatever the
 * script's size. The VM locks the globals (and everything
 * reachable from them) read-only, as Redis does, so no script can write there: the store's own
 * read-only flag is lifted for the moment a script is defined or forgotten, by writing the flag
 * in the Lua Table struct itself (found through `tostring(t)`, checked at start-up).
 */
class LuaVm {
  private current: ScriptHost | null = null;
  private fuel = -1;
  private readonly heap: Buffer;
  private readonly view: DataView;
  private readonly ret: number;
  /**
   * The reply writer of the clients scripts run commands through: replies are written in the
   * VM's encoding straight into its heap.
   */
  readonly replies: AbiReplyWriter;
  /** KEYS/ARGV are encoded here (reused, grown on demand). */
  private argsPtr = 0;
  private argsCap = 0;
  /** Address of the store's Lua Table struct. */
  private store = 0;
  /**
   * sha → the body, its call chunk in WASM memory, how many engines hold the script, and
   * whether its function is in the current Lua state (a restart drops them all; each is
   * compiled again on its next run, not all at once).
   */
  private readonly scripts = new Map<
    string,
    { body: string; ptr: number; length: number; holders: number; compiled: boolean }
  >();
  /** Lua state restarts since start-up (a heap exhausted or a fault in the VM's C code). */
  restarts = 0;
  /** Scripts whose function is in the current Lua state. */
  compiled = 0;

  constructor(private readonly wasm: WasmExports) {
    this.heap = Buffer.from(wasm.HEAPU8.buffer, wasm.HEAPU8.byteOffset, wasm.HEAPU8.byteLength);
    this.view = new DataView(wasm.HEAPU8.buffer, wasm.HEAPU8.byteOffset, wasm.HEAPU8.byteLength);
    this.ret = wasm._alloc(8);
    const memory = {
      heap: this.heap,
      view: this.view,
      alloc: (size: number) => this.alloc(size),
      free: (ptr: number) => wasm._free_mem(ptr),
    };
    this.replies = new AbiReplyWriter(new AbiEncoder(memory));
    this.createStore();
  }

  /**
   * Compiles `body` under `sha` (once for the process; later calls count one more holder).
   * Returns the compile error message, or null.
   */
  define(sha: string, body: string): string | null {
    const known = this.scripts.get(sha);
    if (known !== undefined) {
      known.holders++;
      return null;
    }
    const failure = this.writeStore(DEFINE, [sha, body]);
    if (failure !== null) return failure;
    this.compiled++;
    const chunk = `return (${STORE}['${sha}']())`;
    const ptr = this.alloc(chunk.length);
    if (ptr === 0) throw new ReplyError(VM_OUT_OF_MEMORY);
    this.heap.write(chunk, ptr, 'latin1');
    this.scripts.set(sha, { body, ptr, length: chunk.length, holders: 1, compiled: true });
    return null;
  }

  /** One holder lets go of `sha`; the function is dropped when none is left. */
  release(sha: string): void {
    const script = this.scripts.get(sha);
    if (script === undefined || --script.holders > 0) return;
    this.scripts.delete(sha);
    this.wasm._free_mem(script.ptr);
    if (!script.compiled) return;
    this.compiled--;
    this.writeStore(FORGET, [sha]);
  }

  /**
   * A full garbage collection: the functions of forgotten scripts are freed now, not when the
   * incremental collector gets to them (this Lua 5.1 has no emergency collection on a full heap).
   */
  collectGarbage(): void {
    this.evaluateText('collectgarbage()');
  }

  /**
   * Runs the script `sha` (defined before) with KEYS and ARGV; its value goes to `out`. Returns
   * the error that stopped the script, if one did (the caller words it).
   */
  run(
    host: ScriptHost,
    sha: string,
    keys: string[],
    args: string[],
    timeLimitMs: number,
    out: ReplyWriter,
  ): ScriptFailure | null {
    const script = this.scripts.get(sha);
    if (script === undefined) throw new Error(`script ${sha} is not defined in the VM`);
    if (this.current !== null) throw new Error('a script is already running');
    if (!script.compiled) {
      // First run since a restart. It compiled before, so only a full heap can fail here.
      const failure = this.writeStore(DEFINE, [sha, script.body]);
      if (failure !== null) return { message: failure, line: 0 };
      script.compiled = true;
      this.compiled++;
    }
    this.setBudget(timeLimitMs);
    this.current = host;
    try {
      return this.evaluate(script.ptr, script.length, keys, args, out);
    } finally {
      this.current = null;
    }
  }

  log(level: number, message: Buffer): void {
    this.current?.log(level, message);
  }

  setResp(version: number): void {
    this.current?.setResp(version);
  }

  /**
   * The host import behind redis.call and redis.pcall (sret ABI: ret, args ptr, args len). The
   * arguments come out of WASM memory in one native call (one string, cut into argv with
   * substring), the command writes its reply in the VM's encoding (`replies`), and the reply
   * block goes back with one copy.
   */
  hostCall(ret: number, ptr: number, length: number): void {
    const heap = this.heap;
    const replies = this.replies;
    replies.take();
    try {
      const argv = decodeArgv(heap, this.view, ptr, length);
      if (this.current === null) replies.error('ERR redis.call outside of a script');
      else this.current.call(argv);
      if (replies.out.length > 0) replies.flushText();
    } catch (error) {
      replies.take();
      replies.error(`ERR ${error instanceof Error ? error.message : String(error)}`);
    }
    if (replies.empty) replies.error('ERR the command wrote no reply');
    const encoder = replies.encoder;
    let reply: number;
    try {
      reply = encoder.detach();
    } catch {
      // Not even an error reply fits: leave the VM as a full heap inside Lua would.
      encoder.reset();
      throw new LuaVmFault('the Lua VM heap is full');
    }
    this.view.setUint32(ret, reply, true);
    this.view.setUint32(ret + 4, encoder.length, true);
    encoder.reset();
  }

  private evaluate(
    chunk: number,
    chunkLength: number,
    keys: string[],
    args: string[],
    out: ReplyWriter,
  ): ScriptFailure | null {
    const argsLength = this.encodeArgs(keys, args);
    try {
      this.wasm._eval_with_args(this.ret, chunk, chunkLength, this.argsPtr, argsLength, keys.length);
    } catch (error) {
      // The build cannot grow its 64 MB heap: a failed allocation aborts out of the VM (no Lua
      // "not enough memory": its cmsgpack would write through the NULL), leaving the Lua state
      // mid-call. Start it afresh; the scripts are compiled again when next run.
      if (!(error instanceof LuaVmFault) && !(error instanceof webAssembly.RuntimeError)) throw error;
      this.restart();
      throw new ReplyError(VM_OUT_OF_MEMORY);
    }
    const heap = this.heap;
    const ptr = this.view.getUint32(this.ret, true);
    const length = this.view.getUint32(this.ret + 4, true);
    if (ptr === 0 || length === 0) {
      out.nil();
      return null;
    }
    try {
      if (heap[ptr] === REPLY_SCRIPT_ERROR)
        return { line: heap.readUInt32LE(ptr + 5), message: latin1Slice(heap, ptr + 9, ptr + length) };
      writeAbi(heap, this.view, ptr, out);
      return null;
    } finally {
      this.wasm._free_mem(ptr);
    }
  }

  /**
   * A block of the VM's C heap, or 0 when it is full. A malloc outside Lua that cannot grow the
   * heap leaves the Lua state as it was: no restart.
   */
  private alloc(size: number): number {
    try {
      return this.wasm._alloc(size);
    } catch (error) {
      if (error instanceof LuaVmFault) return 0;
      throw error;
    }
  }

  /** KEYS then ARGV in the VM's argument encoding (u32 count, then u32 length + bytes each). */
  private encodeArgs(keys: string[], args: string[]): number {
    let size = 4 + 4 * (keys.length + args.length);
    for (const key of keys) size += key.length;
    for (const arg of args) size += arg.length;
    if (size > this.argsCap) {
      if (this.argsPtr !== 0) this.wasm._free_mem(this.argsPtr);
      this.argsCap = Math.max(size, 2 * this.argsCap, 1024);
      this.argsPtr = this.alloc(this.argsCap);
      if (this.argsPtr === 0) {
        this.argsCap = 0;
        throw new ReplyError(VM_ARGS_TOO_LARGE);
      }
    }
    const heap = this.heap;
    let at = this.argsPtr;
    this.view.setUint32(at, keys.length + args.length, true);
    at += 4;
    at = encodeStrings(heap, this.view, at, keys);
    encodeStrings(heap, this.view, at, args);
    return size;
  }

  /**
   * A fresh Lua state with an empty store. The scripts stay known (bodies here, SHA1s in the
   * engines) and are compiled on their next run: compiling them all now could fill the heap
   * again, restart again, and so on.
   */
  private restart(): void {
    this.restarts++;
    if (this.wasm._reset() !== 0) throw new Error('lua-redis-wasm: the Lua VM could not be restarted');
    this.fuel = -1;
    for (const script of this.scripts.values()) script.compiled = false;
    this.compiled = 0;
    this.createStore();
  }

  /** Runs one of the store-writing chunks with the store made writable for its duration. */
  private writeStore(chunk: string, args: string[]): string | null {
    this.setReadOnly(this.store, false);
    try {
      return this.evaluateText(chunk, args);
    } finally {
      this.setReadOnly(this.store, true);
    }
  }

  /** The store table under the globals, created with the globals' flag lifted for one chunk. */
  private createStore(): void {
    const globals = this.tableAddress('_G');
    if (this.heap.readInt32LE(globals + 8) !== 1)
      throw new Error('lua-redis-wasm: unexpected Table layout (no read-only flag on the globals)');
    this.setReadOnly(globals, false);
    let store: number;
    try {
      store = this.tableAddress(`(function() local s = {} ${STORE} = s return s end)()`);
    } finally {
      this.setReadOnly(globals, true);
    }
    this.store = store;
    this.setReadOnly(store, true);
    // The flag written must be the one Lua checks: a write to the store must now fail.
    const probe = this.evaluateText(`${STORE}.probe = 1`) ?? '';
    if (!probe.includes('readonly table'))
      throw new Error(`lua-redis-wasm: unexpected Table layout (the store stayed writable: ${probe})`);
  }

  /** Runs one of the VM's own chunks (no time limit); returns the string it returned or raised. */
  private evaluateText(chunk: string, args: string[] = []): string | null {
    const body = this.alloc(chunk.length);
    if (body === 0) throw new ReplyError(VM_OUT_OF_MEMORY);
    this.heap.write(chunk, body, 'latin1');
    this.setBudget(0);
    const out = new ReplyWriter(2);
    try {
      const failure = this.evaluate(body, chunk.length, [], args, out);
      if (failure !== null) return failure.message;
    } finally {
      this.wasm._free_mem(body);
    }
    const resp = out.take();
    return resp.startsWith('$') && !resp.startsWith('$-') ? resp.slice(resp.indexOf('\r\n') + 2, -2) : null;
  }

  /** The address of the Lua table `expression` evaluates to, from `tostring` ("table: 0x…"). */
  private tableAddress(expression: string): number {
    const text = this.evaluateText(`return tostring(${expression})`) ?? '';
    const match = /^table: (?:0x)?([0-9a-f]+)$/.exec(text);
    const address = match ? Number.parseInt(match[1]!, 16) : 0;
    // Lua 5.1 Table (Redis's patch): next pointer, tt (5 = table), marked, flags, then the
    // `int readonly` at byte 8.
    if (address === 0 || this.heap[address + 4] !== 5)
      throw new Error(`lua-redis-wasm: cannot locate the Lua table ${expression} (${text})`);
    return address;
  }

  private setReadOnly(table: number, readOnly: boolean): void {
    this.heap.writeInt32LE(readOnly ? 1 : 0, table + 8);
  }

  /** Turns the time limit (0: none) into the VM's instruction budget, when it changed. */
  private setBudget(timeLimitMs: number): void {
    const fuel = timeLimitMs <= 0 ? MAX_FUEL : Math.min(MAX_FUEL, timeLimitMs * FUEL_PER_MS);
    if (fuel === this.fuel) return;
    this.wasm._set_limits(fuel, 0, 0);
    this.fuel = fuel;
  }
}

/**
 * The VM, loaded (WebAssembly compiled) once when the module is first imported: commands run
 * synchronously, so it must exist before the first EVAL arrives.
 */
export const luaVm: LuaVm = await quietly(() =>
  load({
    limits: { maxFuel: 5000 * FUEL_PER_MS },
    redisProps: {
      REDIS_VERSION: { value: REDIS_VERSION },
      REDIS_VERSION_NUM: { value: versionNumber(REDIS_VERSION) },
    },
  }),
).then((module) => {
  const callbacks: { vm: LuaVm | null } = { vm: null };
  // create() initialises the Lua state and wires log and setresp; redis.call is then routed
  // past the package's Buffer-based codec to the VM's own.
  module.create({
    redisCall: () => null,
    redisPcall: () => null,
    log: (level, message) => callbacks.vm!.log(level, message),
    onSetResp: (version) => callbacks.vm!.setResp(version),
  });
  const internals = module as unknown as ModuleInternals;
  const vm = new LuaVm(internals.exports);
  const hostCall = (ret: number, ptr: number, length: number) => vm.hostCall(ret, ptr, length);
  internals.handlers.call = hostCall;
  internals.handlers.pcall = hostCall;
  callbacks.vm = vm;
  return vm;
});

/**
 * Runs the package's `load()` with the VM's two abort imports replaced, for the moment it
 * instantiates the module: emscripten's heap-growth failure and C `abort()` print
 * "Aborted(...)" to stderr on every occurrence, from a binding the package gives no option
 * for. The replacements throw a LuaVmFault instead (the same unwinding, no print). The VM
 * must still abort rather than see a NULL from malloc: the vendored cmsgpack never checks it.
 */
async function quietly<T>(run: () => Promise<T>): Promise<T> {
  const instantiate = webAssembly.instantiate;
  webAssembly.instantiate = (source, imports) => {
    const env = imports?.env;
    if (env !== undefined && 'host_redis_call' in env && 'emscripten_resize_heap' in env) {
      env.emscripten_resize_heap = () => {
        throw new LuaVmFault('the Lua VM heap is full');
      };
      env._abort_js = () => {
        throw new LuaVmFault('the Lua VM aborted');
      };
    }
    return instantiate(source, imports);
  };
  try {
    return await run();
  } finally {
    webAssembly.instantiate = instantiate;
  }
}

/**
 * redis.call's arguments (u32 count, then u32 length + bytes each) as latin1 strings: the whole
 * block read with one native call, each argument a substring of it (V8 shares the characters of
 * the longer ones instead of copying them).
 */
function decodeArgv(heap: Buffer, view: DataView, ptr: number, length: number): string[] {
  const end = ptr + length;
  const block = latin1Slice(heap, ptr, end);
  const count = view.getUint32(ptr, true);
  // Sized up front: grown by push, every argv would get a backing store for 17 elements.
  const argv = new Array<string>(count);
  let at = ptr + 4;
  let i = 0;
  for (; i < count && at + 4 <= end; i++) {
    const size = view.getUint32(at, true);
    const from = at + 4 - ptr;
    argv[i] = block.substring(from, from + size);
    at += 4 + size;
  }
  if (i < count) argv.length = i;
  return argv;
}

/** Writes each string as a u32 length and its bytes from `at`; returns the end. */
function encodeStrings(heap: Buffer, view: DataView, at: number, items: string[]): number {
  for (const item of items) {
    view.setUint32(at, item.length, true);
    at += 4;
    at += latin1Write(heap, item, at);
  }
  return at;
}

/** redis.REDIS_VERSION_NUM: 7.2.4 is 0x070204. */
function versionNumber(version: string): number {
  const [major = 0, minor = 0, patch = 0] = version.split('.').map(Number);
  return (major << 16) | (minor << 8) | patch;
}
