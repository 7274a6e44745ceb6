import type { ReplyWriter } from '../protocol/writer.js';
import type { LuaValue } from './vm.js';

/**
 * The two conversions of script_lua.c: a command's reply (RESP, as the command wrote it) into the
 * value redis.call returns to Lua, and the script's return value into the caller's reply. The VM
 * itself applies the Lua-side rules (numbers truncated to integers, false to nil, tables cut at
 * the first nil, {ok=...}/{err=...} tables).
 */

/** Decodes the single RESP2/RESP3 reply a command wrote, as Lua values (strings stay bytes). */
export function respToLua(resp: string): LuaValue {
  let pos = 0;
  const line = (): string => {
    const end = resp.indexOf('\r\n', pos);
    const text = resp.slice(pos, end);
    pos = end + 2;
    return text;
  };
  const bytes = (text: string): Buffer => Buffer.from(text, 'latin1');
  const items = (count: number): LuaValue[] => {
    const out: LuaValue[] = [];
    for (let i = 0; i < count; i++) out.push(one());
    return out;
  };
  const one = (): LuaValue => {
    const type = resp[pos++];
    const text = line();
    switch (type) {
      case '+':
        return { ok: bytes(text) };
      case '-':
        return { err: bytes(text) };
      case ':':
        return integer(text);
      case '$':
      case '=': {
        const length = Number(text);
        if (length < 0) return null;
        const value = resp.slice(pos, pos + length);
        pos += length + 2;
        if (type === '$') return bytes(value);
        return { verbatim_string: { format: bytes(value.slice(0, 3)), string: bytes(value.slice(4)) } };
      }
      case '*':
      case '>': {
        const length = Number(text);
        return length < 0 ? null : items(length);
      }
      case '~':
        return { set: items(Number(text)) };
      case '%': {
        const pairs: [LuaValue, LuaValue][] = [];
        for (let i = Number(text); i > 0; i--) pairs.push([one(), one()]);
        return { map: pairs };
      }
      case '_':
        return null;
      case '#':
        return text === 't';
      case ',':
        return { double: parseDouble(text) };
      case '(':
        return { big_number: bytes(text) };
      default:
        throw new Error(`unexpected reply type '${type}' from a command run by a script`);
    }
  };
  return one();
}

function integer(text: string): number | bigint {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : BigInt(text);
}

function parseDouble(text: string): number {
  if (text === 'inf') return Number.POSITIVE_INFINITY;
  if (text === '-inf') return Number.NEGATIVE_INFINITY;
  return Number(text);
}

/** Writes a script's result (or a nested element of it) as the caller's reply. */
export function writeLua(w: ReplyWriter, value: LuaValue): void {
  if (value === null) w.nil();
  else if (typeof value === 'number' || typeof value === 'bigint') w.integer(value);
  else if (typeof value === 'boolean') w.boolean(value);
  else if (Buffer.isBuffer(value)) w.bulk(value.toString('latin1'));
  else if (Array.isArray(value)) {
    w.array(value.length);
    for (const item of value) writeLua(w, item);
  } else if ('ok' in value) w.simple(value.ok.toString('latin1'));
  else if ('err' in value) w.error(errorText(value.err, value.code));
  else if ('double' in value) w.double(value.double);
  else if ('big_number' in value) {
    const digits = value.big_number.toString('latin1');
    if (w.protocol === 3) w.raw(`(${digits}\r\n`);
    else w.bulk(digits);
  } else if ('verbatim_string' in value) w.verbatim(value.verbatim_string.string.toString('latin1'));
  else if ('map' in value) {
    w.map(value.map.length);
    for (const [key, item] of value.map) {
      writeLua(w, key);
      writeLua(w, item);
    }
  } else {
    w.set(value.set.length);
    for (const item of value.set) writeLua(w, item);
  }
}

/** An error value as Redis sends it: `CODE message` (the VM splits the code off). */
export function errorText(err: Buffer, code: Buffer | undefined): string {
  const message = err.toString('latin1');
  return code === undefined ? message : `${code.toString('latin1')} ${message}`;
}
