import { errors, ReplyError } from '../errors.js';
import type { Client } from '../server/client.js';
import { notifyClass } from '../server/notify.js';
import { intArg, is } from './args.js';
import { type CommandSpec, command } from './command.js';
import { getString } from './lookup.js';

/**
 * Bit operations on strings (bitops.c). A string is latin1 text, one char per byte; bit 0 is
 * the most significant bit of the first byte, as in Redis.
 */

const MAX_BIT_OFFSET = 2 ** 32 - 1;

function popcount(byte: number): number {
  let n = byte;
  n = n - ((n >> 1) & 0x55);
  n = (n & 0x33) + ((n >> 2) & 0x33);
  return (n + (n >> 4)) & 0x0f;
}

function offsetArg(text: string): number {
  const offset = Number(text);
  if (!/^\d+$/.test(text) || offset > MAX_BIT_OFFSET) throw new ReplyError(errors.bitOffset);
  return offset;
}

function setbit(c: Client, argv: string[]): void {
  const offset = offsetArg(argv[2]!);
  if (argv[3] !== '0' && argv[3] !== '1') throw new ReplyError(errors.bitValue);
  const old = getString(c, argv[1]!) ?? '';
  const byte = offset >> 3;
  const mask = 1 << (7 - (offset & 7));
  let value = old.length > byte ? old : old + '\0'.repeat(byte + 1 - old.length);
  const code = value.charCodeAt(byte);
  const previous = code & mask ? 1 : 0;
  const next = argv[3] === '1' ? code | mask : code & ~mask;
  if (next !== code || value !== old) {
    value = value.slice(0, byte) + String.fromCharCode(next) + value.slice(byte + 1);
    c.db.set(argv[1]!, value, true);
    c.changed(argv[1]!, 'setbit', notifyClass.string);
  }
  c.writer.integer(previous);
}

function getbit(c: Client, argv: string[]): void {
  const offset = offsetArg(argv[2]!);
  const value = getString(c, argv[1]!) ?? '';
  const byte = offset >> 3;
  c.writer.integer(byte < value.length && value.charCodeAt(byte) & (1 << (7 - (offset & 7))) ? 1 : 0);
}

/** Resolves [start end [BYTE|BIT]] to an inclusive bit range, or null when empty. */
function bitRange(argv: string[], at: number, length: number, defaultEnd: boolean): [number, number] | null {
  const totalBits = length * 8;
  if (argv.length <= at) return length === 0 ? null : [0, totalBits - 1];
  let unitBits = 8;
  const unit = argv[at + 2];
  if (unit !== undefined) {
    if (is(unit, 'BIT')) unitBits = 1;
    else if (!is(unit, 'BYTE')) throw new ReplyError(errors.syntax);
    if (argv.length > at + 3) throw new ReplyError(errors.syntax);
  }
  const units = unitBits === 8 ? length : totalBits;
  let start = intArg(argv[at]!);
  let end = argv[at + 1] === undefined ? (defaultEnd ? units - 1 : units - 1) : intArg(argv[at + 1]!);
  if (start < 0) start = Math.max(0, units + start);
  if (end < 0) end = Math.max(0, units + end);
  if (end >= units) end = units - 1;
  if (start > end || units === 0) return null;
  return unitBits === 8 ? [start * 8, end * 8 + 7] : [start, end];
}

function bitAt(value: string, bit: number): number {
  return value.charCodeAt(bit >> 3) & (1 << (7 - (bit & 7))) ? 1 : 0;
}

function bitcount(c: Client, argv: string[]): void {
  if (argv.length === 3) throw new ReplyError(errors.syntax);
  const value = getString(c, argv[1]!) ?? '';
  const range = bitRange(argv, 2, value.length, true);
  if (!range) {
    c.writer.integer(0);
    return;
  }
  let [from, to] = range;
  let count = 0;
  while (from <= to && (from & 7) !== 0) count += bitAt(value, from++);
  while (to >= from && (to & 7) !== 7) count += bitAt(value, to--);
  for (let byte = from >> 3; byte <= to >> 3 && from <= to; byte++) count += popcount(value.charCodeAt(byte));
  c.writer.integer(count);
}

/** BITPOS key bit [start [end [BYTE|BIT]]] */
function bitpos(c: Client, argv: string[]): void {
  if (argv[2] !== '0' && argv[2] !== '1') throw new ReplyError('ERR The bit argument must be 1 or 0.');
  const wanted = argv[2] === '1' ? 1 : 0;
  const value = getString(c, argv[1]!);
  if (value === undefined) {
    c.writer.integer(wanted ? -1 : 0);
    return;
  }
  const range = bitRange(argv, 3, value.length, true);
  if (!range) {
    c.writer.integer(-1);
    return;
  }
  for (let bit = range[0]; bit <= range[1]; bit++) {
    if (bitAt(value, bit) === wanted) {
      c.writer.integer(bit);
      return;
    }
  }
  // Looking for a clear bit without an explicit end: the string is padded with zeros to the right.
  c.writer.integer(wanted === 0 && argv[4] === undefined ? range[1] + 1 : -1);
}

function bitop(c: Client, argv: string[]): void {
  const op = argv[1]!.toUpperCase();
  if (!['AND', 'OR', 'XOR', 'NOT'].includes(op)) throw new ReplyError(errors.syntax);
  const sources = argv.slice(3).map((key) => getString(c, key) ?? '');
  if (op === 'NOT' && sources.length !== 1)
    throw new ReplyError('ERR BITOP NOT must be called with a single source key.');
  const length = Math.max(0, ...sources.map((s) => s.length));
  const out = Buffer.alloc(length);
  for (let i = 0; i < length; i++) {
    let byte = sources[0]!.charCodeAt(i) || 0;
    if (op === 'NOT') byte = ~byte & 0xff;
    for (let j = 1; j < sources.length; j++) {
      const other = sources[j]!.charCodeAt(i) || 0;
      if (op === 'AND') byte &= other;
      else if (op === 'OR') byte |= other;
      else byte ^= other;
    }
    out[i] = byte;
  }
  const destination = argv[2]!;
  if (length === 0) {
    if (c.db.delete(destination)) c.changed(destination, 'del', notifyClass.generic);
  } else {
    c.db.set(destination, out.toString('latin1'));
    c.changed(destination, 'set', notifyClass.string);
  }
  c.writer.integer(length);
}

export const bitCommands: CommandSpec[] = [
  command('setbit', 4, ['write', 'denyoom'], [1, 1, 1], setbit),
  command('getbit', 3, ['readonly', 'fast'], [1, 1, 1], getbit),
  command('bitcount', -2, ['readonly'], [1, 1, 1], bitcount),
  command('bitpos', -3, ['readonly'], [1, 1, 1], bitpos),
  command('bitop', -4, ['write', 'denyoom'], [2, -1, 1], bitop),
];
