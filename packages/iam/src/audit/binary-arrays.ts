/**
 * One-dimensional PostgreSQL arrays in the binary wire format (`array_recv`), for node-postgres,
 * which sends a Buffer parameter as binary. The server then copies each element instead of
 * parsing a text literal: `array_in` (quoting, then `uuid_in`, `timestamptz_in`, … per
 * element) was a fifth of the audit statement's CPU.
 *
 * Layout: ndim = 1, has-nulls flag, element type oid, length, lower bound = 1; then per element
 * its byte length (-1 for NULL) and its bytes in the type's binary format.
 */

/** Element type oids (pg_type). */
const UUID = 2950;
const INT8 = 20;
const INT4 = 23;
const TEXT = 25;
const TIMESTAMPTZ = 1184;
const JSONB = 3802;

const HEADER = 20;
/** 2000-01-01T00:00:00Z, PostgreSQL's timestamp epoch, in Unix milliseconds. */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 2 ** 32;

function header(length: number, size: number, oid: number, hasNulls: boolean): Buffer {
  const buffer = Buffer.allocUnsafe(size);
  buffer.writeInt32BE(1, 0);
  buffer.writeInt32BE(hasNulls ? 1 : 0, 4);
  buffer.writeInt32BE(oid, 8);
  buffer.writeInt32BE(length, 12);
  buffer.writeInt32BE(1, 16);
  return buffer;
}

/** A 64-bit integer as two 32-bit halves: exact for any safe integer. */
function writeInt64(buffer: Buffer, value: number, offset: number): void {
  const high = Math.floor(value / TWO_32);
  buffer.writeInt32BE(high, offset);
  buffer.writeUInt32BE(value - high * TWO_32, offset + 4);
}

/** Fixed-width elements (uuid, int8, int4, timestamptz), NULL allowed. */
function fixed<T>(
  values: readonly (T | null)[],
  oid: number,
  width: number,
  write: (buffer: Buffer, value: T, offset: number) => void,
): Buffer {
  let nulls = 0;
  for (const v of values) if (v === null) nulls++;
  const buffer = header(
    values.length,
    HEADER + values.length * 4 + (values.length - nulls) * width,
    oid,
    nulls > 0,
  );
  let offset = HEADER;
  for (const v of values) {
    if (v === null) {
      buffer.writeInt32BE(-1, offset);
      offset += 4;
      continue;
    }
    buffer.writeInt32BE(width, offset);
    write(buffer, v, offset + 4);
    offset += 4 + width;
  }
  return buffer;
}

/** `text[]`, or `jsonb[]` (each element prefixed with the jsonb format version, 1). */
function variable(values: readonly (string | null)[], oid: number, prefix: number): Buffer {
  let size = HEADER;
  let nulls = 0;
  const lengths = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      nulls++;
      size += 4;
      continue;
    }
    lengths[i] = Buffer.byteLength(v);
    size += 4 + prefix + lengths[i]!;
  }
  const buffer = header(values.length, size, oid, nulls > 0);
  let offset = HEADER;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined) {
      buffer.writeInt32BE(-1, offset);
      offset += 4;
      continue;
    }
    buffer.writeInt32BE(prefix + lengths[i]!, offset);
    offset += 4;
    if (prefix) buffer[offset++] = 1;
    offset += buffer.write(v, offset);
  }
  return buffer;
}

/** `uuid[]` from canonical 8-4-4-4-12 hex strings. */
export function uuidArray(values: readonly string[]): Buffer {
  return fixed(values, UUID, 16, (buffer, uuid, offset) => {
    if (uuid.length !== 36) throw new TypeError(`not a uuid: ${uuid}`);
    let at = offset;
    for (const [from, to] of UUID_GROUPS) {
      const written = buffer.write(uuid.slice(from, to), at, 'hex');
      if (written !== (to - from) / 2) throw new TypeError(`not a uuid: ${uuid}`);
      at += written;
    }
  });
}

const UUID_GROUPS = [
  [0, 8],
  [9, 13],
  [14, 18],
  [19, 23],
  [24, 36],
] as const;

function integer(value: number): number {
  if (!Number.isSafeInteger(value)) throw new TypeError(`not an integer: ${value}`);
  return value;
}

export const int8Array = (values: readonly (number | null)[]) =>
  fixed(values, INT8, 8, (buffer, value: number, offset) => writeInt64(buffer, integer(value), offset));

export const int4Array = (values: readonly (number | null)[]) =>
  fixed(values, INT4, 4, (buffer, value: number, offset) => buffer.writeInt32BE(integer(value), offset));

/** `timestamptz[]` from Unix milliseconds. */
export const timestamptzArray = (values: readonly number[]) =>
  fixed(values, TIMESTAMPTZ, 8, (buffer, ms: number, offset) =>
    writeInt64(buffer, (integer(ms) - PG_EPOCH_MS) * 1000, offset),
  );

export const textArray = (values: readonly (string | null)[]) => variable(values, TEXT, 0);

/** `jsonb[]` from JSON texts. */
export const jsonbArray = (values: readonly string[]) => variable(values, JSONB, 1);
