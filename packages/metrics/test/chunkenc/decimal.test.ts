import { describe, expect, it } from 'vitest';
import { chunkIterator, ENCODING_DECIMAL, ENCODING_XOR, encodeBest } from '../../src/chunkenc/chunk.js';
import { DecimalIterator, encodeDecimal } from '../../src/chunkenc/decimal.js';
import { STALE_NAN_HI, STALE_NAN_LO } from '../../src/chunkenc/xor.js';
import { SampleBuffer } from '../../src/samples.js';

function buffer(values: number[], step = 15_000): SampleBuffer {
  const b = new SampleBuffer();
  values.forEach((v, i) => {
    b.push(1_700_000_000_007 + i * step + (i % 17 === 0 ? 1 : 0), v);
  });
  return b;
}

function decode(encoding: 1 | 2, bytes: Uint8Array): { t: number[]; v: number[] } {
  const it = chunkIterator(encoding, bytes);
  const f = new Float64Array(1);
  const u = new Uint32Array(f.buffer);
  const out = { t: [] as number[], v: [] as number[] };
  while (it.next()) {
    u[1] = it.hi;
    u[0] = it.lo;
    out.t.push(it.t);
    out.v.push(f[0]!);
  }
  return out;
}

describe('decimal chunks', () => {
  it('round-trips two-decimal counters exactly and beats XOR on them', () => {
    let v = 123_456.78;
    const values = Array.from(
      { length: 120 },
      (_, i) => (v = Math.round((v + 13.5 + (i % 7) * 0.37) * 100) / 100),
    );
    const b = buffer(values);
    const best = encodeBest(b, 0, 120);
    expect(best.encoding).toBe(ENCODING_DECIMAL);
    const out = decode(best.encoding, best.bytes);
    expect(out.v).toEqual(values);
    expect(out.t).toEqual(Array.from(b.t.subarray(0, 120)));
    const xorSize = encodeBest(buffer([...values.slice(0, 119), Math.PI]), 0, 120).bytes.length;
    expect(best.bytes.length).toBeLessThan(xorSize / 2);
  });

  it('handles negative values, big integers and -0 falls back to XOR', () => {
    const values = [-5, -4.5, 1e13, 0, 0.5, -3];
    const bytes = encodeDecimal(Float64Array.from(values.map((_, i) => i * 1000)), values, 0, values.length)!;
    const it = new DecimalIterator(bytes);
    const got: number[] = [];
    const f = new Float64Array(1);
    const u = new Uint32Array(f.buffer);
    while (it.next()) {
      u[1] = it.hi;
      u[0] = it.lo;
      got.push(f[0]!);
    }
    expect(got).toEqual(values);
    expect(encodeDecimal([0], [-0], 0, 1)).toBeUndefined();
    expect(encodeDecimal([0, 1], [1, Number.NaN], 0, 2)).toBeUndefined();
    expect(encodeDecimal([0], [Math.PI], 0, 1)).toBeUndefined();
  });

  it('keeps chunks with staleness markers in XOR', () => {
    const b = buffer([1, 2, 3]);
    b.pushBits(1_800_000_000_000, STALE_NAN_HI, STALE_NAN_LO);
    expect(encodeBest(b, 0, b.length).encoding).toBe(ENCODING_XOR);
  });
});
