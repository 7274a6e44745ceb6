import { open, readFile, rename, rm } from 'node:fs/promises';
import type { BlocklistRules } from '../blocklist.js';
import { type IndexArrays, NODE_STRIDE, packNodes } from '../index/layout.js';
import { PrefixIndex } from '../index/prefix-index.js';
import { Decay } from '../ranking/decay.js';
import type { AggregateState } from './aggregator.js';

/**
 * Snapshot file: the index's typed arrays as raw little-endian bytes, so loading is one read and
 * a view per array (no parsing, no per-entry work), preceded by a JSON header with the rest.
 *
 *   "PSUGGEST" | u32 format version | u32 header bytes | header JSON | pad to 8 | arrays (each padded to 8)
 */
const MAGIC = 'PSUGGEST';
/** 2: the per-node arrays interleaved into records (`nodes`); format 1 files are still read. */
const FORMAT = 2;

export interface SnapshotData {
  index: PrefixIndex;
  decay: Decay;
  /** The query log's buckets, so later rebuilds keep the history. */
  aggregate: AggregateState;
  blocklist: BlocklistRules;
}

type ArrayName = Exclude<keyof IndexArrays, 'k' | 'displays'>;
type ArrayType = 'u8' | 'u16' | 'u32' | 'i32' | 'f64';
const ARRAYS: { name: ArrayName; type: ArrayType }[] = [
  { name: 'keyChars', type: 'u8' },
  { name: 'keyStart', type: 'u32' },
  { name: 'weights', type: 'f64' },
  { name: 'nodeLo', type: 'u32' },
  { name: 'nodeHi', type: 'u32' },
  { name: 'nodes', type: 'u32' },
  { name: 'topStart', type: 'i32' },
  { name: 'topIds', type: 'u32' },
];
/** Format 1 kept the node fields in arrays of their own, packed into records on load. */
const FORMAT_1_ARRAYS: { name: string; type: ArrayType }[] = [
  ...ARRAYS.slice(0, 5),
  { name: 'nodeDepth', type: 'u16' },
  { name: 'nodeChar', type: 'u16' },
  { name: 'nodeLabel', type: 'u32' },
  { name: 'firstChild', type: 'u32' },
  ...ARRAYS.slice(6),
];

interface Header {
  k: number;
  wideKeys: boolean;
  lengths: Record<string, number>;
  displays: [number, string][];
  decay: { halfLifeMs: number; landmarkMs: number };
  aggregate: AggregateState;
  blocklist: BlocklistRules;
}

const pad8 = (n: number) => (8 - (n % 8)) % 8;

/** Writes a snapshot atomically: to a temporary file, flushed, then renamed over the old one. */
export async function writeSnapshot(path: string, data: SnapshotData): Promise<void> {
  const a = data.index.arrays;
  const header: Header = {
    k: a.k,
    wideKeys: a.keyChars instanceof Uint16Array,
    lengths: Object.fromEntries(ARRAYS.map(({ name }) => [name, a[name].length])) as Record<
      ArrayName,
      number
    >,
    displays: [...a.displays],
    decay: { halfLifeMs: data.decay.halfLifeMs, landmarkMs: data.decay.landmarkMs },
    aggregate: data.aggregate,
    blocklist: data.blocklist,
  };
  const json = Buffer.from(JSON.stringify(header));
  const prefix = Buffer.alloc(16);
  prefix.write(MAGIC, 0, 'latin1');
  prefix.writeUInt32LE(FORMAT, 8);
  prefix.writeUInt32LE(json.length, 12);
  const chunks: Buffer[] = [prefix, json, Buffer.alloc(pad8(16 + json.length))];
  for (const { name } of ARRAYS) {
    const array = a[name];
    chunks.push(
      Buffer.from(array.buffer, array.byteOffset, array.byteLength),
      Buffer.alloc(pad8(array.byteLength)),
    );
  }
  const temporary = `${path}.${process.pid}.tmp`;
  const file = await open(temporary, 'w');
  try {
    await file.writev(chunks);
    await file.sync();
  } catch (error) {
    await file.close();
    await rm(temporary, { force: true });
    throw error;
  }
  await file.close();
  await rename(temporary, path);
}

export class CorruptSnapshotError extends Error {
  constructor(path: string, reason: string) {
    super(`Snapshot ${path} is unusable: ${reason}`);
    this.name = 'CorruptSnapshotError';
  }
}

/** Loads a snapshot; the index's arrays are views on the file's bytes. */
export async function readSnapshot(path: string): Promise<SnapshotData> {
  let bytes: Uint8Array = await readFile(path);
  const fail = (reason: string) => new CorruptSnapshotError(path, reason);
  if (bytes.length < 16 || Buffer.from(bytes.buffer, bytes.byteOffset, 8).toString('latin1') !== MAGIC) {
    throw fail('not a suggest snapshot');
  }
  // Typed-array views need aligned offsets; small files may sit unaligned in Node's buffer pool.
  if (bytes.byteOffset % 8 !== 0) bytes = bytes.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const format = view.getUint32(8, true);
  if (format !== FORMAT && format !== 1) throw fail(`unknown format version ${format}`);
  const headerLength = view.getUint32(12, true);
  if (16 + headerLength > bytes.length) throw fail('truncated header');
  let header: Header;
  try {
    header = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset + 16, headerLength).toString('utf8'));
  } catch {
    throw fail('unreadable header');
  }
  let at = 16 + headerLength + pad8(16 + headerLength);
  const arrays: Record<string, IndexArrays[ArrayName]> = {};
  for (const { name, type } of format === 1 ? FORMAT_1_ARRAYS : ARRAYS) {
    const length = header.lengths?.[name];
    const kind = name === 'keyChars' && header.wideKeys ? 'u16' : type;
    const width = { u8: 1, u16: 2, u32: 4, i32: 4, f64: 8 }[kind];
    if (!Number.isInteger(length) || length < 0 || at + length * width > bytes.length)
      throw fail(`truncated ${name}`);
    const offset = bytes.byteOffset + at;
    const make = {
      u8: () => new Uint8Array(bytes.buffer, offset, length),
      u16: () => new Uint16Array(bytes.buffer, offset, length),
      u32: () => new Uint32Array(bytes.buffer, offset, length),
      i32: () => new Int32Array(bytes.buffer, offset, length),
      f64: () => new Float64Array(bytes.buffer, offset, length),
    }[kind];
    arrays[name] = make();
    at += length * width + pad8(length * width);
  }
  if (format === 1) arrays.nodes = packFormat1(arrays, fail);
  const index = new PrefixIndex({
    ...(Object.fromEntries(ARRAYS.map(({ name }) => [name, arrays[name]])) as Omit<
      IndexArrays,
      'k' | 'displays'
    >),
    k: header.k,
    displays: new Map(header.displays),
  });
  checkShape(index, fail);
  return {
    index,
    decay: new Decay(header.decay.halfLifeMs, header.decay.landmarkMs),
    aggregate: header.aggregate ?? [],
    blocklist: header.blocklist ?? { terms: [], patterns: [] },
  };
}

/** The node records of a format 1 file, from its per-field arrays. */
function packFormat1(
  arrays: Record<string, IndexArrays[ArrayName]>,
  fail: (reason: string) => Error,
): Uint32Array {
  const { nodeLo, nodeDepth, nodeChar, nodeLabel, firstChild } = arrays;
  const count = nodeLo!.length;
  if (
    nodeDepth!.length !== count ||
    nodeChar!.length !== count ||
    nodeLabel!.length !== count ||
    firstChild!.length !== count + 1
  ) {
    throw fail('array lengths do not match');
  }
  return packNodes(nodeDepth!, nodeChar!, nodeLabel!, firstChild!, count);
}

/** Cheap consistency checks so a damaged file fails at load rather than on a query. */
function checkShape(index: PrefixIndex, fail: (reason: string) => Error): void {
  const a = index.arrays;
  const n = a.weights.length;
  const nodes = a.nodeLo.length;
  const ok =
    a.keyStart.length === n + 1 &&
    a.keyStart[n] === a.keyChars.length &&
    a.nodeHi.length === nodes &&
    a.nodes.length === (nodes + 1) * NODE_STRIDE &&
    a.topStart.length === nodes &&
    index.firstChild(nodes) === nodes &&
    a.topIds.length % Math.max(1, a.k) === 0;
  if (!ok) throw fail('array lengths do not match');
  // Children come after their parent in breadth-first order; this also rules out cycles.
  for (let node = 0; node < nodes; node++) {
    const first = index.firstChild(node);
    const last = index.firstChild(node + 1);
    if (first > last || (first < last && first <= node)) {
      throw fail(`node ${node} has malformed children`);
    }
    if (a.nodeLo[node]! > a.nodeHi[node]! || a.nodeHi[node]! > n || a.topStart[node]! >= a.topIds.length) {
      throw fail(`node ${node} has a malformed range`);
    }
  }
  for (const id of a.topIds) if (id >= n) throw fail('a top-k list points past the entries');
}
