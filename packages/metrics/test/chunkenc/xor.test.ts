import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter } from '../../src/chunkenc/bitstream.js';
import {
  isStaleNaN,
  STALE_NAN_HI,
  STALE_NAN_LO,
  StaleNaN,
  XORChunk,
  XORIterator,
} from '../../src/chunkenc/xor.js';

function roundTrip(ts: number[], vs: number[]): { t: number[]; v: number[] } {
  const c = new XORChunk();
  for (let i = 0; i < ts.length; i++) c.append(ts[i]!, vs[i]!);
  const it = new XORIterator(c.bytes().slice());
  const t: number[] = [];
  const v: number[] = [];
  while (it.next()) {
    t.push(it.t);
    v.push(it.value);
  }
  return { t, v };
}

describe('bitstream', () => {
  it('writes and reads bits, 64-bit words and varints', () => {
    const w = new BitWriter(1);
    w.writeBit(1);
    w.writeBits(0b101, 3);
    w.writeBits(0xdeadbeef, 32);
    w.writeBits64(0x12345, 0xffffffff, 49);
    w.writeVarint(-1_700_000_000_123);
    w.writeUvarint(2 ** 40 + 7);
    const r = new BitReader(w.finish());
    expect(r.readBit()).toBe(1);
    expect(r.readBits(3)).toBe(0b101);
    expect(r.readBits(32)).toBe(0xdeadbeef);
    expect(r.readBits(17)).toBe(0x12345);
    expect(r.readBits(32)).toBe(0xffffffff);
    expect(r.readVarint()).toBe(-1_700_000_000_123);
    expect(r.readUvarint()).toBe(2 ** 40 + 7);
  });

  it('reads every width at every bit offset, up to the last bit', () => {
    for (let offset = 0; offset < 8; offset++)
      for (let count = 1; count <= 32; count++) {
        const value = (0x9e3779b9 * count + offset) % 2 ** count;
        const w = new BitWriter(1);
        w.writeBits(0, offset);
        w.writeBits(value, count);
        const r = new BitReader(w.finish(), offset + count);
        r.readBits(offset);
        expect(r.readBits(count)).toBe(value);
        expect(() => r.readBit()).toThrow(RangeError);
      }
  });

  it('refuses to read past the end', () => {
    const r = new BitReader(new Uint8Array(1));
    r.readBits(8);
    expect(() => r.readBit()).toThrow(RangeError);
  });
});

describe('XOR chunk', () => {
  it('round-trips regular scrapes, jitter, huge gaps and special floats exactly', () => {
    const base = 1_700_000_000_000;
    const ts: number[] = [];
    const vs: number[] = [];
    const specials = [
      0,
      -0,
      1.5,
      -1e300,
      Number.POSITIVE_INFINITY,
      Number.NaN,
      5e-324,
      123456.789,
      42,
      42,
      42,
    ];
    let t = base;
    for (let i = 0; i < 120; i++) {
      // 15 s interval with jitter in every dod bucket: 0, ±ms, seconds, minutes, days.
      const jitter = [0, 3, -2, 5000, 70_000, 600_000, 86_400_000 * 3][i % 7]!;
      t += 15_000 + jitter;
      ts.push(t);
      vs.push(i < specials.length ? specials[i]! : Math.sin(i) * 1000);
    }
    const out = roundTrip(ts, vs);
    expect(out.t).toEqual(ts);
    expect(out.v.map((v) => (Object.is(v, -0) ? '-0' : v))).toEqual(
      vs.map((v) => (Object.is(v, -0) ? '-0' : v)),
    );
  });

  it('keeps the staleness marker bit pattern', () => {
    const c = new XORChunk();
    c.append(1000, 1);
    c.appendBits(2000, STALE_NAN_HI, STALE_NAN_LO);
    c.append(3000, Number.NaN);
    const it = new XORIterator(c.bytes());
    it.next();
    it.next();
    expect([it.hi, it.lo]).toEqual([STALE_NAN_HI, STALE_NAN_LO]);
    it.next();
    expect(isStaleNaN(it.value)).toBe(false);
    expect(Number.isNaN(it.value)).toBe(true);
    expect(Number.isNaN(StaleNaN)).toBe(true);
  });

  it('compresses a regular gauge to about the Gorilla figure', () => {
    const c = new XORChunk();
    for (let i = 0; i < 120; i++) c.append(1_700_000_000_000 + i * 15_000, i % 10 === 0 ? 1 : 0);
    // Constant interval: 1 bit per timestamp; values mostly repeat: 1 bit, changes a few bits.
    expect(c.bytes().length / 120).toBeLessThan(0.7);
  });

  it('stores the sample count in the 2-byte header', () => {
    const c = new XORChunk();
    for (let i = 0; i < 300; i++) c.append(i, i);
    const b = c.bytes();
    expect((b[0]! << 8) | b[1]!).toBe(300);
  });
});
