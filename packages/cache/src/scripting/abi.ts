import type { ReplyWriter } from '../protocol/writer.js';

/**
 * The two conversions of script_lua.c, straight between RESP and the VM's reply encoding (a tag
 * byte, a u32 count or length, then the payload; lua-redis-wasm's docs/abi.md): a command's
 * reply into what redis.call hands the VM, and the script's value into the caller's reply. The
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

/** A growable byte buffer the VM encoding is written into, reused across calls. */
export class AbiEncoder {
  buffer = Buffer.allocUnsafe(4096);
  length = 0;

  reset(): void {
    this.length = 0;
  }

  header(tag: number, countOrLength: number): void {
    this.reserve(5);
    this.buffer[this.length] = tag;
    this.buffer.writeUInt32LE(countOrLength, this.length + 1);
    this.length += 5;
  }

  /** A header and `text` (bytes as latin1) as its payload. */
  text(tag: number, text: string): void {
    this.header(tag, text.length);
    this.reserve(text.length);
    this.length += this.buffer.write(text, this.length, 'latin1');
  }

  integer(text: string): void {
    this.header(INT, 8);
    this.reserve(8);
    const value = Number(text);
    if (value >= -0x80000000 && value <= 0x7fffffff) {
      this.buffer.writeInt32LE(value, this.length);
      this.buffer.writeInt32LE(value < 0 ? -1 : 0, this.length + 4);
    } else this.buffer.writeBigInt64LE(BigInt(text), this.length);
    this.length += 8;
  }

  double(value: number): void {
    this.header(DOUBLE, 8);
    this.reserve(8);
    this.buffer.writeDoubleLE(value, this.length);
    this.length += 8;
  }

  boolean(value: boolean): void {
    this.header(BOOL, 1);
    this.reserve(1);
    this.buffer[this.length++] = value ? 1 : 0;
  }

  verbatim(format: string, text: string): void {
    this.header(VERBATIM, 4 + format.length + text.length);
    this.reserve(4 + format.length + text.length);
    this.buffer.writeUInt32LE(format.length, this.length);
    this.length += 4;
    this.length += this.buffer.write(format, this.length, 'latin1');
    this.length += this.buffer.write(text, this.length, 'latin1');
  }

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    const grown = Buffer.allocUnsafe(Math.max(2 * this.buffer.length, this.length + extra));
    this.buffer.copy(grown, 0, 0, this.length);
    this.buffer = grown;
  }
}

/** Encodes the single RESP2/RESP3 reply a command wrote (strings stay bytes). */
export function encodeResp(resp: string, out: AbiEncoder): void {
  encodeAt(resp, 0, out);
}

/** Encodes the reply starting at `pos`; returns the position after it. */
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
    case ':':
      out.integer(text);
      break;
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
export function writeAbi(heap: Buffer, at: number, w: ReplyWriter): number {
  const tag = heap[at]!;
  const n = heap.readUInt32LE(at + 1);
  let pos = at + 5;
  switch (tag) {
    case NULL:
      w.nil();
      return pos;
    case INT: {
      const high = heap.readInt32LE(pos + 4);
      const low = heap.readUInt32LE(pos);
      // Within ±2^52 the two halves make an exact double; beyond, a bigint.
      if (high >= -0x100000 && high < 0x100000) w.integer(high * 0x100000000 + low);
      else w.integer(heap.readBigInt64LE(pos));
      return pos + 8;
    }
    case BULK:
      w.bulk(heap.toString('latin1', pos, pos + n));
      return pos + n;
    case STATUS:
      w.simple(heap.toString('latin1', pos, pos + n));
      return pos + n;
    case ERROR:
      w.error(heap.toString('latin1', pos, pos + n));
      return pos + n;
    case BOOL:
      w.boolean(heap[pos] !== 0);
      return pos + 1;
    case DOUBLE:
      w.double(heap.readDoubleLE(pos));
      return pos + 8;
    case BIG_NUMBER: {
      const digits = heap.toString('latin1', pos, pos + n);
      if (w.protocol === 3) w.raw(`(${digits}\r\n`);
      else w.bulk(digits);
      return pos + n;
    }
    case VERBATIM: {
      const formatLength = heap.readUInt32LE(pos);
      w.verbatim(heap.toString('latin1', pos + 4 + formatLength, pos + n));
      return pos + n;
    }
    case ARRAY:
    case SET:
    case MAP: {
      if (tag === ARRAY) w.array(n);
      else if (tag === SET) w.set(n);
      else w.map(n);
      const items = tag === MAP ? 2 * n : n;
      for (let i = 0; i < items; i++) pos = writeAbi(heap, pos, w);
      return pos;
    }
    default:
      throw new Error(`unexpected value tag ${tag} from the Lua VM`);
  }
}
