import { latin1Slice, latin1Write } from '../protocol/latin1.js';
import { formatDouble, ReplyWriter } from '../protocol/writer.js';

/**
 * The two conversions of script_lua.c, between replies and the VM's reply encoding (a tag byte,
 * a u32 count or length, then the payload; lua-redis-wasm's docs/abi.md): a command's reply into
 * what redis.call hands the VM (written by the command itself through AbiReplyWriter), and the
 * script's value into the caller's reply (writeAbi). The
 * VM applies the Lua-side rules itself (numbers truncated to integers, false to nil, tables cut
 * at the first nil, {ok=...}/{err=...} tables).
 */
const NULL = 0x00;
const INT = 0x01;
const BULK = 0x02;
const ARRAY = 0x03;
const STATUS = 0x04;
const ERROR = 0x05;
const BOOL = 0x07;
const DOUBLE = 0x08;
const MAP = 0x09;
const SET = 0x0a;
const BIG_NUMBER = 0x0b;
const VERBATIM = 0x0c;

/** The VM's C heap as the bridge sees it: its bytes, and its allocator. */
export interface WasmMemory {
  readonly heap: Buffer;
  /** The same bytes, for unaligned little-endian u32 reads/writes that V8 inlines. */
  readonly view: DataView;
  alloc(size: number): number;
  free(ptr: number): void;
}

const FIRST_CAPACITY = 4096;
/** A scratch block grown past this by a big reply is given back to the VM's (fixed) heap. */
const KEEP_CAPACITY = 1024 * 1024;

/**
 * Writes values in the VM's encoding straight into a scratch block of the VM's own heap (no
 * JavaScript Buffer in between), reused across calls; `detach` hands a finished value over in a
 * block of its own, which the VM frees once it has read it.
 */
export class AbiEncoder {
  length = 0;
  private base = 0;
  private capacity = 0;

  constructor(private readonly memory: WasmMemory) {}

  reset(): void {
    this.length = 0;
    if (this.capacity > KEEP_CAPACITY) {
      this.memory.free(this.base);
      this.base = 0;
      this.capacity = 0;
    }
  }

  /** The encoded value, moved into a fresh VM block; returns its address (length: `length`). */
  detach(): number {
    const ptr = this.memory.alloc(this.length);
    if (ptr === 0) throw new Error('the Lua VM is out of memory for a command reply');
    this.memory.heap.copyWithin(ptr, this.base, this.base + this.length);
    return ptr;
  }

  header(tag: number, countOrLength: number): void {
    const at = this.reserve(5);
    const heap = this.memory.heap;
    heap[at] = tag;
    heap[at + 1] = countOrLength;
    heap[at + 2] = countOrLength >>> 8;
    heap[at + 3] = countOrLength >>> 16;
    heap[at + 4] = countOrLength >>> 24;
    this.length += 5;
  }

  /** A header and `text` (bytes as latin1) as its payload. */
  text(tag: number, text: string): void {
    this.header(tag, text.length);
    const at = this.reserve(text.length);
    this.length += latin1Write(this.memory.heap, text, at);
  }

  /** A 64-bit integer (safe-integer numbers, or a bigint beyond). */
  integer(value: number | bigint): void {
    this.header(INT, 8);
    const at = this.reserve(8);
    const heap = this.memory.heap;
    if (typeof value === 'bigint') heap.writeBigInt64LE(BigInt.asIntN(64, value), at);
    else {
      // Two's complement halves; exact for every safe integer.
      const view = this.memory.view;
      view.setUint32(at, value >>> 0, true);
      view.setInt32(at + 4, Math.floor(value / 0x100000000), true);
    }
    this.length += 8;
  }

  double(value: number): void {
    this.header(DOUBLE, 8);
    const at = this.reserve(8);
    this.memory.heap.writeDoubleLE(value, at);
    this.length += 8;
  }

  boolean(value: boolean): void {
    this.header(BOOL, 1);
    const at = this.reserve(1);
    this.memory.heap[at] = value ? 1 : 0;
    this.length += 1;
  }

  verbatim(format: string, text: string): void {
    this.header(VERBATIM, 4 + format.length + text.length);
    const at = this.reserve(4 + format.length + text.length);
    const heap = this.memory.heap;
    this.memory.view.setUint32(at, format.length, true);
    let end = at + 4;
    end += latin1Write(heap, format, end);
    end += latin1Write(heap, text, end);
    this.length = end - this.base;
  }

  /** Room for `extra` more bytes; returns the address to write them at. */
  private reserve(extra: number): number {
    if (this.length + extra > this.capacity) this.grow(this.length + extra);
    return this.base + this.length;
  }

  private grow(needed: number): void {
    const capacity = Math.max(FIRST_CAPACITY, 2 * this.capacity, needed);
    const base = this.memory.alloc(capacity);
    if (base === 0) throw new Error('the Lua VM is out of memory for a command reply');
    if (this.capacity > 0) {
      this.memory.heap.copyWithin(base, this.base, this.base + this.length);
      this.memory.free(this.base);
    }
    this.base = base;
    this.capacity = capacity;
  }
}

/**
 * The reply writer of the client scripts run their commands through: a command's reply is
 * written in the VM's encoding as the command produces it (Redis's conversion of the reply into
 * Lua values), with no RESP text built and parsed again in between. The RESP2/RESP3 shapes follow
 * the script's `redis.setresp` exactly as the RESP writer does (a map is a flat array under
 * RESP2, a double its text, a boolean 1/0).
 */
export class AbiReplyWriter extends ReplyWriter {
  constructor(readonly encoder: AbiEncoder) {
    super(2);
  }

  /** Whether nothing was written since the last take. */
  get empty(): boolean {
    return this.encoder.length === 0 && this.out.length === 0;
  }

  /** Forgets what was written (the reply is handed over by `encoder.detach()`, not as text). */
  override take(): string {
    this.out = '';
    this.encoder.reset();
    return '';
  }

  /**
   * Converts RESP text written by a base-class method into the encoding: a safety net for a
   * ReplyWriter method this class does not override (the bridge calls it before handing over).
   */
  flushText(): void {
    const resp = this.out;
    this.out = '';
    for (let at = 0; at < resp.length; ) at = encodeAt(resp, at, this.encoder);
  }

  override ok(): void {
    this.encoder.text(STATUS, 'OK');
  }

  override simple(text: string): void {
    this.encoder.text(STATUS, text);
  }

  override error(message: string): void {
    this.encoder.text(ERROR, /[\r\n]/.test(message) ? message.replace(/[\r\n]+/g, ' ') : message);
  }

  override integer(value: number | bigint): void {
    this.encoder.integer(value);
  }

  override integerText(text: string): void {
    const value = Number(text);
    this.encoder.integer(Number.isSafeInteger(value) ? value : BigInt(text));
  }

  override bulk(value: string): void {
    this.encoder.text(BULK, value);
  }

  override bulkOrNil(value: string | undefined): void {
    if (value === undefined) this.encoder.header(NULL, 0);
    else this.encoder.text(BULK, value);
  }

  override nil(): void {
    this.encoder.header(NULL, 0);
  }

  override nilArray(): void {
    this.encoder.header(NULL, 0);
  }

  override array(length: number): void {
    this.encoder.header(ARRAY, length);
  }

  override map(pairs: number): void {
    if (this.protocol === 3) this.encoder.header(MAP, pairs);
    else this.encoder.header(ARRAY, 2 * pairs);
  }

  override set(length: number): void {
    this.encoder.header(this.protocol === 3 ? SET : ARRAY, length);
  }

  override push(length: number): void {
    this.encoder.header(ARRAY, length);
  }

  override double(value: number): void {
    if (this.protocol === 3) this.encoder.double(value);
    else this.encoder.text(BULK, formatDouble(value));
  }

  override boolean(value: boolean): void {
    if (this.protocol === 3) this.encoder.boolean(value);
    else this.encoder.integer(value ? 1 : 0);
  }

  override verbatim(text: string): void {
    if (this.protocol === 3) this.encoder.verbatim('txt', text);
    else this.encoder.text(BULK, text);
  }

  override bulks(values: readonly string[]): void {
    this.encoder.header(ARRAY, values.length);
    for (const value of values) this.encoder.text(BULK, value);
  }

  override raw(resp: string): void {
    for (let at = 0; at < resp.length; ) at = encodeAt(resp, at, this.encoder);
  }
}

/** Encodes the RESP reply starting at `pos` (strings stay bytes); returns the position after it. */
function encodeAt(resp: string, pos: number, out: AbiEncoder): number {
  const type = resp[pos];
  const end = resp.indexOf('\r\n', pos + 1);
  const text = resp.slice(pos + 1, end);
  let next = end + 2;
  switch (type) {
    case '+':
      out.text(STATUS, text);
      break;
    case '-':
      out.text(ERROR, text);
      break;
    case ':': {
      const value = Number(text);
      out.integer(Number.isSafeInteger(value) ? value : BigInt(text));
      break;
    }
    case '$':
    case '=': {
      const length = Number(text);
      if (length < 0) {
        out.header(NULL, 0);
        break;
      }
      const value = resp.slice(next, next + length);
      next += length + 2;
      if (type === '$') out.text(BULK, value);
      else out.verbatim(value.slice(0, 3), value.slice(4));
      break;
    }
    case '*':
    case '>':
    case '~':
    case '%': {
      const length = Number(text);
      if (length < 0) {
        out.header(NULL, 0);
        break;
      }
      out.header(type === '~' ? SET : type === '%' ? MAP : ARRAY, length);
      const items = type === '%' ? 2 * length : length;
      for (let i = 0; i < items; i++) next = encodeAt(resp, next, out);
      break;
    }
    case '_':
      out.header(NULL, 0);
      break;
    case '#':
      out.boolean(text === 't');
      break;
    case ',':
      out.double(parseDouble(text));
      break;
    case '(':
      out.text(BIG_NUMBER, text);
      break;
    default:
      throw new Error(`unexpected reply type '${type}' from a command run by a script`);
  }
  return next;
}

function parseDouble(text: string): number {
  if (text === 'inf') return Number.POSITIVE_INFINITY;
  if (text === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** Writes the encoded value at `at` (a script's result) as the caller's reply; returns its end. */
export function writeAbi(heap: Buffer, view: DataView, at: number, w: ReplyWriter): number {
  const tag = heap[at]!;
  const n = view.getUint32(at + 1, true);
  let pos = at + 5;
  switch (tag) {
    case NULL:
      w.nil();
      return pos;
    case INT: {
      const high = view.getInt32(pos + 4, true);
      const low = view.getUint32(pos, true);
      // Within ±2^52 the two halves make an exact double; beyond, a bigint.
      if (high >= -0x100000 && high < 0x100000) w.integer(high * 0x100000000 + low);
      // No Lua number is 2^63-1: the VM saturated one >= 2^63 (WebAssembly's conversion) where
      // Redis on x86 gets the CPU's "integer indefinite", INT64_MIN. Reply what Redis replies.
      else if (high === 0x7fffffff && low === 0xffffffff) w.integer(-(2n ** 63n));
      else w.integer(heap.readBigInt64LE(pos));
      return pos + 8;
    }
    case BULK:
      w.bulk(latin1Slice(heap, pos, pos + n));
      return pos + n;
    case STATUS:
      w.simple(latin1Slice(heap, pos, pos + n));
      return pos + n;
    case ERROR:
      w.error(latin1Slice(heap, pos, pos + n));
      return pos + n;
    case BOOL:
      w.boolean(heap[pos] !== 0);
      return pos + 1;
    case DOUBLE:
      w.double(heap.readDoubleLE(pos));
      return pos + 8;
    case BIG_NUMBER: {
      const digits = latin1Slice(heap, pos, pos + n);
      if (w.protocol === 3) w.raw(`(${digits}\r\n`);
      else w.bulk(digits);
      return pos + n;
    }
    case VERBATIM: {
      const formatLength = view.getUint32(pos, true);
      w.verbatim(latin1Slice(heap, pos + 4 + formatLength, pos + n));
      return pos + n;
    }
    case ARRAY:
    case SET:
    case MAP: {
      if (tag === ARRAY) w.array(n);
      else if (tag === SET) w.set(n);
      else w.map(n);
      const items = tag === MAP ? 2 * n : n;
      for (let i = 0; i < items; i++) pos = writeAbi(heap, view, pos, w);
      return pos;
    }
    default:
      throw new Error(`unexpected value tag ${tag} from the Lua VM`);
  }
}
