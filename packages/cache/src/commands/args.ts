import { errors, ReplyError } from '../errors.js';

const INT_PATTERN = /^(?:0|-?[1-9][0-9]*)$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

/**
 * Parses a 64-bit signed integer the way Redis's string2ll does (no '+', no spaces, no leading
 * zeros). Returns undefined if the text is not one.
 */
export function parseInt64(text: string): number | undefined {
  if (text.length > 0 && text.length < 16) return parseSmallInt(text);
  if (text.length === 0 || text.length > 20 || !INT_PATTERN.test(text)) return undefined;
  const big = BigInt(text);
  if (big < INT64_MIN || big > INT64_MAX) return undefined;
  return Number(big);
}

/**
 * parseInt64 for 1 to 15 characters, which always fit a double exactly: a scan instead of the
 * pattern, since INCR, LPOP's count or a ZADD score parse one on almost every call.
 */
function parseSmallInt(text: string): number | undefined {
  const negative = text.charCodeAt(0) === 45; /* '-' */
  let i = negative ? 1 : 0;
  if (i === text.length) return undefined;
  // "0" itself, but no leading zero and no "-0" (string2ll).
  if (text.charCodeAt(i) === 48) return text.length === 1 ? 0 : undefined;
  let value = 0;
  for (; i < text.length; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/** Same as parseInt64 but as a bigint, for exact INCR/DECR arithmetic near the int64 limits. */
export function parseBigInt64(text: string): bigint | undefined {
  if (text.length === 0 || text.length > 20 || !INT_PATTERN.test(text)) return undefined;
  const big = BigInt(text);
  return big < INT64_MIN || big > INT64_MAX ? undefined : big;
}

export function inInt64(value: bigint): boolean {
  return value >= INT64_MIN && value <= INT64_MAX;
}

/** An integer argument over the whole int64 range, exact: a number while safe, a bigint beyond. */
export function int64Arg(text: string): number | bigint {
  if (text.length < 16) return intArg(text);
  const big = parseBigInt64(text);
  if (big === undefined) throw new ReplyError(errors.notInteger);
  return big;
}

/**
 * The integer text `old` (absent: 0) plus `delta`, exact over int64 as Redis's INCRBY and HINCRBY
 * are: plain numbers while they are safe integers (counters such as BullMQ's), bigints beyond.
 * Throws `notInteger` when `old` is not an integer, the overflow error past int64.
 */
export function addInt64(
  old: string | undefined,
  delta: number | bigint,
  notInteger: string,
): number | bigint {
  if (old === undefined) return delta;
  const current = old.length < 16 ? parseInt64(old) : parseBigInt64(old);
  if (current === undefined) throw new ReplyError(notInteger);
  if (typeof current === 'number' && typeof delta === 'number') {
    const sum = current + delta;
    if (Number.isSafeInteger(sum)) return sum;
  }
  const result = BigInt(current) + BigInt(delta);
  if (!inInt64(result)) throw new ReplyError(errors.overflow);
  return result;
}

/** An integer argument, or the standard error. */
export function intArg(text: string, message: string = errors.notInteger): number {
  const value = parseInt64(text);
  if (value === undefined) throw new ReplyError(message);
  return value;
}

const FLOAT_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Parses a double like strtold with Redis's checks: no spaces, no NaN; inf/-inf allowed. */
export function parseDouble(text: string): number | undefined {
  const integer = text.length > 0 && text.length < 16 ? parseSmallInt(text) : undefined;
  if (integer !== undefined) return integer;
  if (FLOAT_PATTERN.test(text)) return Number(text);
  const lower = text.toLowerCase();
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity')
    return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  return undefined;
}

export function floatArg(text: string, message: string = errors.notFloat): number {
  const value = parseDouble(text);
  if (value === undefined) throw new ReplyError(message);
  return value;
}

/** A blocking timeout in seconds (fractional allowed), as milliseconds; 0 means forever. */
export function timeoutArg(text: string): number {
  const seconds = parseDouble(text);
  if (seconds === undefined || !Number.isFinite(seconds)) throw new ReplyError(errors.timeoutNotFloat);
  if (seconds < 0) throw new ReplyError(errors.timeoutNegative);
  return Math.ceil(seconds * 1000);
}

/** Normalises a Redis index range (negative from the end) to [start, end] within [0, length). */
export function clampRange(start: number, end: number, length: number): [number, number] {
  if (start < 0) start = length + start;
  if (end < 0) end = length + end;
  if (start < 0) start = 0;
  if (end >= length) end = length - 1;
  return [start, end];
}

/** Case-insensitive comparison of an argument with an upper-case keyword. */
export function is(arg: string | undefined, keyword: string): boolean {
  return arg !== undefined && arg.length === keyword.length && arg.toUpperCase() === keyword;
}

/** Integers as Redis prints floats in replies of INCRBYFLOAT/HINCRBYFLOAT (%.17Lg, trimmed). */
export function formatLongDouble(value: number): string {
  if (Number.isInteger(value) && Math.abs(value) < 1e17) return value.toFixed(0);
  // 17 significant digits like Redis, then drop the binary noise a long double would not show.
  const precise = Number(value.toPrecision(17));
  const short = Number(value.toPrecision(15));
  return String(Math.abs(precise - short) <= Math.abs(value) * 1e-15 ? short : precise);
}
