import snappy from 'snappyjs';
import { describe, expect, it } from 'vitest';
import { rng } from '../../bench/dataset.js';
import { SnappyDecoder, SnappyError } from '../../src/ingest/snappy.js';

describe('snappy decoder', () => {
  const r = rng(11);
  const inputs: Uint8Array[] = [
    new Uint8Array(0),
    Uint8Array.from({ length: 1000 }, () => Math.floor(r() * 256)), // literals
    new Uint8Array(100_000).fill(7), // overlapping copies (runs)
    // Repeated label sets with a few changing bytes, as in remote write: long copies.
    Uint8Array.from({ length: 300_000 }, (_, i) => (i % 137 === 0 ? Math.floor(r() * 256) : 97 + (i % 23))),
    Uint8Array.from({ length: 70_000 }, (_, i) => (i % 65_537) & 0xff), // 2- and 4-byte offsets
  ];

  it('decodes what snappyjs encodes, reusing its buffer across calls', () => {
    const decoder = new SnappyDecoder();
    for (let round = 0; round < 2; round++)
      for (const input of inputs) expect(decoder.decode(snappy.compress(input), 1 << 20)).toEqual(input);
  });

  it('refuses a declared length over the limit before decoding', () => {
    expect(() => new SnappyDecoder().decode(snappy.compress(inputs[3]!), 1000)).toThrow(SnappyError);
  });

  it('throws SnappyError, never anything else, on truncated and bit-flipped input', () => {
    const decoder = new SnappyDecoder();
    const valid = snappy.compress(inputs[3]!);
    for (let i = 0; i < 3000; i++) {
      const bad = Uint8Array.from(valid.subarray(0, Math.floor(r() * (valid.length + 1))));
      if (bad.length > 0 && i % 2 === 0) bad[Math.floor(r() * bad.length)]! ^= 1 << Math.floor(r() * 8);
      try {
        decoder.decode(bad, 1 << 20);
      } catch (error) {
        expect(error).toBeInstanceOf(SnappyError);
      }
    }
  });
});
