import { crc32 } from 'node:zlib';
import type { Database } from '../keyspace/db.js';
import type { Value } from '../keyspace/value.js';
import { Deque } from '../types/deque.js';
import { Stream, type StreamId } from '../types/stream.js';
import { SortedSet } from '../types/zset.js';

/**
 * The snapshot format (Parley's own, in the spirit of RDB; it is not RDB-compatible):
 *
 *   "PARLEYDB" version(1 byte)
 *   records:  0xFE db(varint)                    select database
 *             0xFC expireAt(float64 ms)          the next key expires
 *             type(1 byte) key(string) value     one key
 *   0xFF crc32(4 bytes, big endian) of every byte before it
 *
 * string = varint length + bytes. Everything is built as a latin1 string (one char per byte),
 * which is what keys and values already are, and turned into bytes once per chunk.
 */
export const MAGIC = 'PARLEYDB';
const VERSION = 1;
const OP_SELECT = 0xfe;
const OP_EXPIRE = 0xfc;
const OP_END = 0xff;
const enum_ = { string: 0, list: 1, hash: 2, set: 3, zset: 4, stream: 5 } as const;

const f64 = new Float64Array(1);
const f64bytes = new Uint8Array(f64.buffer);

function varint(n: number): string {
  let out = '';
  while (n >= 0x80) {
    out += String.fromCharCode((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  return out + String.fromCharCode(n);
}

function float(n: number): string {
  f64[0] = n;
  return String.fromCharCode(...f64bytes);
}

function str(s: string): string {
  return varint(s.length) + s;
}

function id(value: StreamId): string {
  return varint(value.ms) + varint(value.seq);
}

/** Encodes one key record (expiry first if any). */
export function encodeEntry(key: string, value: Value, expireAt: number | undefined): string {
  let out = expireAt === undefined ? '' : String.fromCharCode(OP_EXPIRE) + float(expireAt);
  if (typeof value === 'string') return `${out}${String.fromCharCode(enum_.string)}${str(key)}${str(value)}`;
  if (value instanceof Deque) {
    out += String.fromCharCode(enum_.list) + str(key) + varint(value.length);
    for (const item of value) out += str(item);
    return out;
  }
  if (value instanceof Map) {
    out += String.fromCharCode(enum_.hash) + str(key) + varint(value.size);
    for (const [field, v] of value) out += str(field) + str(v);
    return out;
  }
  if (value instanceof Set) {
    out += String.fromCharCode(enum_.set) + str(key) + varint(value.size);
    for (const member of value) out += str(member);
    return out;
  }
  if (value instanceof SortedSet) {
    out += String.fromCharCode(enum_.zset) + str(key) + varint(value.size);
    for (const node of value) out += str(node.member) + float(node.score);
    return out;
  }
  return out + String.fromCharCode(enum_.stream) + str(key) + encodeStream(value);
}

function encodeStream(stream: Stream): string {
  let out =
    id(stream.lastId) + id(stream.maxDeletedId) + varint(stream.entriesAdded) + varint(stream.entries.length);
  for (const entry of stream.entries) {
    out += id(entry.id) + varint(entry.fields.length);
    for (const field of entry.fields) out += str(field);
  }
  out += varint(stream.groups.size);
  for (const group of stream.groups.values()) {
    // entriesRead is -1 when unknown; stored shifted by one to stay unsigned.
    out += str(group.name) + id(group.lastId) + varint(group.entriesRead + 1) + varint(group.pending.size);
    for (const [entryId, pending] of group.pending)
      out += str(entryId) + str(pending.consumer) + float(pending.deliveredAt) + varint(pending.deliveries);
    out += varint(group.consumers.size);
    for (const consumer of group.consumers.values())
      out += str(consumer.name) + float(consumer.seenAt) + float(consumer.activeAt);
  }
  return out;
}

export function header(): string {
  return MAGIC + String.fromCharCode(VERSION);
}

export function selectRecord(db: number): string {
  return String.fromCharCode(OP_SELECT) + varint(db);
}

/** Appends the end marker and checksum to a finished body. */
export function trailer(crc: number): Buffer {
  const out = Buffer.alloc(5);
  out[0] = OP_END;
  out.writeUInt32BE(crc >>> 0, 1);
  return out;
}

/** Encodes a whole dataset synchronously (SAVE, and tests). */
export function encodeSnapshot(dbs: Database[], now: number): Buffer {
  let body = header();
  for (const db of dbs) {
    if (db.size === 0) continue;
    body += selectRecord(db.id);
    for (const [key, value] of db.dict) {
      const at = db.expires.get(key);
      if (at !== undefined && at <= now) continue;
      body += encodeEntry(key, value, at);
    }
  }
  const bytes = Buffer.from(body, 'latin1');
  return Buffer.concat([bytes, trailer(crc32(bytes))]);
}

export class SnapshotError extends Error {}

/** A decoded snapshot: keys per db, how many bytes it spanned, and whether it was complete. */
export interface DecodedSnapshot {
  records: { db: number; key: string; value: Value; expireAt: number | undefined }[];
  /** Bytes consumed including the trailer (where a hybrid AOF's command tail starts). */
  length: number;
  /** Set when the snapshot was cut short or failed its checksum: what went wrong. */
  problem: string | null;
}

/** Decodes a snapshot from the start of `data`, keeping every record before any damage. */
export function decodeSnapshot(data: Buffer): DecodedSnapshot {
  const text = data.toString('latin1');
  let pos = 0;
  const records: DecodedSnapshot['records'] = [];
  const need = (n: number) => {
    if (pos + n > text.length) throw new SnapshotError('unexpected end of snapshot');
  };
  const byte = () => {
    need(1);
    return text.charCodeAt(pos++);
  };
  const readVarint = () => {
    let result = 0;
    let scale = 1;
    for (;;) {
      const b = byte();
      result += (b & 0x7f) * scale;
      if (b < 0x80) return result;
      scale *= 0x80;
      if (scale > 2 ** 56) throw new SnapshotError('bad varint');
    }
  };
  const readFloat = () => {
    need(8);
    for (let i = 0; i < 8; i++) f64bytes[i] = text.charCodeAt(pos + i);
    pos += 8;
    return f64[0]!;
  };
  const readString = () => {
    const n = readVarint();
    need(n);
    const s = text.slice(pos, pos + n);
    pos += n;
    return s;
  };
  const readId = (): StreamId => ({ ms: readVarint(), seq: readVarint() });
  if (!text.startsWith(MAGIC)) return { records, length: 0, problem: 'not a Parley snapshot (bad magic)' };
  pos = MAGIC.length;
  let db = 0;
  let expireAt: number | undefined;
  let lastGood = pos;
  try {
    const version = byte();
    if (version !== VERSION) throw new SnapshotError(`unsupported snapshot version ${version}`);
    lastGood = pos;
    for (;;) {
      const op = byte();
      if (op === OP_END) {
        need(4);
        const expected = data.readUInt32BE(pos);
        const actual = crc32(data.subarray(0, pos - 1)) >>> 0;
        if (expected !== actual) return { records, length: pos + 4, problem: 'snapshot checksum mismatch' };
        return { records, length: pos + 4, problem: null };
      }
      if (op === OP_SELECT) {
        db = readVarint();
        continue;
      }
      if (op === OP_EXPIRE) {
        expireAt = readFloat();
        continue;
      }
      const key = readString();
      let value: Value;
      switch (op) {
        case enum_.string:
          value = readString();
          break;
        case enum_.list: {
          const items = new Deque<string>();
          for (let n = readVarint(); n > 0; n--) items.pushBack(readString());
          value = items;
          break;
        }
        case enum_.hash: {
          const fields = new Map<string, string>();
          for (let n = readVarint(); n > 0; n--) fields.set(readString(), readString());
          value = fields;
          break;
        }
        case enum_.set: {
          const members = new Set<string>();
          for (let n = readVarint(); n > 0; n--) members.add(readString());
          value = members;
          break;
        }
        case enum_.zset: {
          const members = new SortedSet();
          for (let n = readVarint(); n > 0; n--) {
            const member = readString();
            members.set(member, readFloat());
          }
          value = members;
          break;
        }
        case enum_.stream: {
          const stream = new Stream();
          stream.lastId = readId();
          stream.maxDeletedId = readId();
          stream.entriesAdded = readVarint();
          for (let n = readVarint(); n > 0; n--) {
            const entryId = readId();
            const fields: string[] = [];
            for (let m = readVarint(); m > 0; m--) fields.push(readString());
            stream.entries.push({ id: entryId, fields });
          }
          for (let n = readVarint(); n > 0; n--) {
            const name = readString();
            const group = {
              name,
              lastId: readId(),
              entriesRead: readVarint(),
              pending: new Map(),
              consumers: new Map(),
            };
            for (let m = readVarint(); m > 0; m--) {
              const entryId = readString();
              group.pending.set(entryId, {
                consumer: readString(),
                deliveredAt: readFloat(),
                deliveries: readVarint(),
              });
            }
            for (let m = readVarint(); m > 0; m--) {
              const consumerName = readString();
              group.consumers.set(consumerName, {
                name: consumerName,
                seenAt: readFloat(),
                activeAt: readFloat(),
                pending: new Set<string>(),
              });
            }
            for (const [entryId, pending] of group.pending)
              group.consumers.get(pending.consumer)?.pending.add(entryId);
            stream.groups.set(name, group);
          }
          value = stream;
          break;
        }
        default:
          throw new SnapshotError(`unknown record type ${op}`);
      }
      records.push({ db, key, value, expireAt });
      expireAt = undefined;
      lastGood = pos;
    }
  } catch (error) {
    if (!(error instanceof SnapshotError)) throw error;
    return { records, length: lastGood, problem: `${error.message} at byte ${pos}` };
  }
}
