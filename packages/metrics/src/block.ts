/**
 * Immutable on-disk blocks. A block directory holds `meta.json` (time range, stats, resolution),
 * `chunks` (concatenated Gorilla chunks) and `index` (a symbol table and, per series, its label
 * pairs as symbol refs and its chunk metas). Postings are rebuilt from the index on open.
 * A block is written to a temporary directory and renamed into place, so it appears whole or not at all.
 */
import {
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { newId } from '@parley/kit';
import { chunkSamples, type Encoding, encodeBest } from './chunkenc/chunk.js';
import { SAMPLES_PER_CHUNK } from './chunkenc/xor.js';
import { decodeInto } from './head.js';
import { MemPostings, type Postings } from './index/postings.js';
import type { Label, Labels } from './labels.js';
import type { BlockReader } from './querier.js';
import { SampleBuffer } from './samples.js';

export interface BlockMeta {
  id: string;
  minTime: number;
  /** Exclusive. */
  maxTime: number;
  /** 0 for raw data, else the rollup resolution in ms. */
  resolution: number;
  stats: { numSeries: number; numChunks: number; numSamples: number; bytes: number };
  compaction: { level: number; sources: string[] };
}

interface ChunkMeta {
  encoding: Encoding;
  minT: number;
  maxT: number;
  offset: number;
  length: number;
}

interface BlockSeries {
  labels: Labels;
  chunks: ChunkMeta[];
}

const INDEX_MAGIC = 0x50494458; // "PIDX"

/** Series to write into a block: labels and time-ordered samples (bits preserved). */
export interface BlockInput {
  labels: Labels;
  samples: SampleBuffer;
}

export function writeBlock(
  dir: string,
  series: Iterable<BlockInput>,
  range: { minTime: number; maxTime: number; resolution?: number; level?: number; sources?: string[] },
): BlockMeta {
  const id = newId();
  const tmp = join(dir, `${id}.tmp`);
  mkdirSync(tmp, { recursive: true });
  const chunkFd = openSync(join(tmp, 'chunks'), 'w');
  const symbols = new Map<string, number>();
  const symbol = (s: string) => {
    let ref = symbols.get(s);
    if (ref === undefined) {
      ref = symbols.size;
      symbols.set(s, ref);
    }
    return ref;
  };
  const written: { labels: Labels; chunks: ChunkMeta[] }[] = [];
  let offset = 0;
  let numSamples = 0;
  let numChunks = 0;
  for (const s of series) {
    const b = s.samples;
    if (b.length === 0) continue;
    const chunks: ChunkMeta[] = [];
    for (let start = 0; start < b.length; start += SAMPLES_PER_CHUNK) {
      const c = encodeBest(b, start, Math.min(b.length, start + SAMPLES_PER_CHUNK));
      const bytes = c.bytes;
      writeSync(chunkFd, bytes);
      chunks.push({ encoding: c.encoding, minT: c.minT, maxT: c.maxT, offset, length: bytes.length });
      offset += bytes.length;
      numChunks++;
    }
    numSamples += b.length;
    for (const l of s.labels) {
      symbol(l.name);
      symbol(l.value);
    }
    written.push({ labels: s.labels, chunks });
  }
  fsyncSync(chunkFd);
  closeSync(chunkFd);
  const index = encodeIndex(symbols, written);
  writeFileSync(join(tmp, 'index'), index);
  const meta: BlockMeta = {
    id,
    minTime: range.minTime,
    maxTime: range.maxTime,
    resolution: range.resolution ?? 0,
    stats: { numSeries: written.length, numChunks, numSamples, bytes: offset + index.length },
    compaction: { level: range.level ?? 1, sources: range.sources ?? [id] },
  };
  writeFileSync(join(tmp, 'meta.json'), JSON.stringify(meta, null, 2));
  renameSync(tmp, join(dir, id));
  return meta;
}

function encodeIndex(
  symbols: Map<string, number>,
  series: { labels: Labels; chunks: ChunkMeta[] }[],
): Buffer {
  const parts: Buffer[] = [];
  const head = Buffer.alloc(12);
  head.writeUInt32LE(INDEX_MAGIC, 0);
  head.writeUInt32LE(symbols.size, 4);
  head.writeUInt32LE(series.length, 8);
  parts.push(head);
  for (const s of symbols.keys()) {
    const bytes = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32LE(bytes.length);
    parts.push(len, bytes);
  }
  for (const s of series) {
    const buf = Buffer.alloc(8 + s.labels.length * 8 + s.chunks.length * 24);
    let p = buf.writeUInt32LE(s.labels.length, 0);
    for (const l of s.labels) {
      p = buf.writeUInt32LE(symbols.get(l.name)!, p);
      p = buf.writeUInt32LE(symbols.get(l.value)!, p);
    }
    p = buf.writeUInt32LE(s.chunks.length, p);
    for (const c of s.chunks) {
      p = buf.writeDoubleLE(c.minT, p);
      p = buf.writeDoubleLE(c.maxT, p);
      p = buf.writeUInt32LE(c.offset, p);
      // Chunks are far below 16 MiB: the top byte of the length holds the encoding.
      p = buf.writeUInt32LE(((c.encoding << 24) | c.length) >>> 0, p);
    }
    parts.push(buf);
  }
  return Buffer.concat(parts);
}

export class Block implements BlockReader {
  readonly meta: BlockMeta;
  private readonly entries: (BlockSeries | undefined)[] = [undefined];
  private readonly postingsIndex = new MemPostings();
  private readonly chunks: Buffer;

  constructor(readonly dir: string) {
    this.meta = JSON.parse(readFileSync(join(dir, 'meta.json'), 'utf8')) as BlockMeta;
    this.chunks = readFileSync(join(dir, 'chunks'));
    const index = readFileSync(join(dir, 'index'));
    if (index.readUInt32LE(0) !== INDEX_MAGIC) throw new Error(`block ${dir}: bad index magic`);
    const numSymbols = index.readUInt32LE(4);
    const numSeries = index.readUInt32LE(8);
    let p = 12;
    const symbols: string[] = [];
    for (let i = 0; i < numSymbols; i++) {
      const len = index.readUInt32LE(p);
      symbols.push(index.toString('utf8', p + 4, p + 4 + len));
      p += 4 + len;
    }
    for (let ref = 1; ref <= numSeries; ref++) {
      const nLabels = index.readUInt32LE(p);
      p += 4;
      const labels: Label[] = [];
      for (let i = 0; i < nLabels; i++) {
        labels.push({ name: symbols[index.readUInt32LE(p)]!, value: symbols[index.readUInt32LE(p + 4)]! });
        p += 8;
      }
      const nChunks = index.readUInt32LE(p);
      p += 4;
      const chunks: ChunkMeta[] = [];
      for (let i = 0; i < nChunks; i++) {
        const packed = index.readUInt32LE(p + 20);
        chunks.push({
          encoding: (packed >>> 24) as Encoding,
          minT: index.readDoubleLE(p),
          maxT: index.readDoubleLE(p + 8),
          offset: index.readUInt32LE(p + 16),
          length: packed & 0xffffff,
        });
        p += 24;
      }
      this.entries.push({ labels, chunks });
      this.postingsIndex.add(ref, labels);
    }
  }

  get minT(): number {
    return this.meta.minTime;
  }
  get maxT(): number {
    return this.meta.maxTime - 1;
  }

  samples(ref: number, mint: number, maxt: number): SampleBuffer {
    const s = this.entries[ref];
    if (!s) return new SampleBuffer();
    let capacity = 0;
    for (const c of s.chunks)
      if (c.maxT >= mint && c.minT <= maxt) capacity += chunkSamples(this.chunks, c.offset);
    const out = SampleBuffer.forRead(capacity);
    for (const c of s.chunks)
      if (c.maxT >= mint && c.minT <= maxt)
        decodeInto(c.encoding, this.chunks.subarray(c.offset, c.offset + c.length), mint, maxt, out);
    return out;
  }

  *allSeries(): IterableIterator<BlockInput> {
    for (let ref = 1; ref < this.entries.length; ref++)
      yield {
        labels: this.entries[ref]!.labels,
        samples: this.samples(ref, Number.NEGATIVE_INFINITY, Number.POSITIVE_INFINITY),
      };
  }

  postings(name: string, value: string): Postings {
    return this.postingsIndex.get(name, value);
  }
  allPostings(): Postings {
    return this.postingsIndex.allPostings();
  }
  labelNames(): string[] {
    return this.postingsIndex.labelNames();
  }
  labelValues(name: string): string[] {
    return this.postingsIndex.labelValues(name);
  }
  series(ref: number): Labels | undefined {
    return this.entries[ref]?.labels;
  }
}

export function removeBlock(block: Block): void {
  rmSync(block.dir, { recursive: true, force: true });
}
