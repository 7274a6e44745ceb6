/** Chunk encodings and the choice between them for a closed chunk. */
import type { SampleBuffer } from '../samples.js';
import { DecimalIterator, encodeDecimal } from './decimal.js';
import { XORChunk, XORIterator } from './xor.js';

export const ENCODING_XOR = 1;
export const ENCODING_DECIMAL = 2;
export type Encoding = typeof ENCODING_XOR | typeof ENCODING_DECIMAL;

export interface ChunkIterator {
  t: number;
  hi: number;
  lo: number;
  next(): boolean;
}

export function chunkIterator(encoding: Encoding, bytes: Uint8Array): ChunkIterator {
  return encoding === ENCODING_DECIMAL ? new DecimalIterator(bytes) : new XORIterator(bytes);
}

/** Sample count of an encoded chunk: both encodings start with it as 16 big-endian bits. */
export function chunkSamples(bytes: Uint8Array, offset = 0): number {
  return (bytes[offset]! << 8) | bytes[offset + 1]!;
}

export interface EncodedChunk {
  encoding: Encoding;
  bytes: Uint8Array;
  minT: number;
  maxT: number;
  numSamples: number;
}

/** Encodes samples [start, end) of a buffer in whichever encoding is smaller. */
export function encodeBest(b: SampleBuffer, start: number, end: number): EncodedChunk {
  const xor = new XORChunk(256);
  for (let i = start; i < end; i++) xor.appendBits(b.t[i]!, b.hiAt(i), b.loAt(i));
  const base = { minT: b.t[start]!, maxT: b.t[end - 1]!, numSamples: end - start };
  const decimal = b.hasStale ? undefined : encodeDecimal(b.t, b.v, start, end);
  if (decimal && decimal.length < xor.bytes().length)
    return { encoding: ENCODING_DECIMAL, bytes: decimal, ...base };
  return { encoding: ENCODING_XOR, bytes: xor.bytes().slice(), ...base };
}
