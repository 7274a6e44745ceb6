import { describe, expect, it } from 'vitest';
import { BitReader, BitWriter } from '../../src/chunkenc/bitstream.js';
import {
  CHECKPOINT_INTERVAL,
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

  it('starts a read at the checkpoint before mint and yields exactly the samples from mint on', () => {
    // Values that move the XOR window (leading/trailing zeros) often, repeats, staleness markers.
    const make = (n: number) => {
      const c = new XORChunk();
      const ts: number[] = [];
      let t = 1_700_000_000_000;
      for (let i = 0; i < n; i++) {
        t += i % 11 === 0 ? 15_001 : 15_000;
        ts.push(t);
        if (i % 17 === 5) c.appendBits(t, STALE_NAN_HI, STALE_NAN_LO);
        else c.append(t, i % 5 === 0 ? 42 : i % 3 === 0 ? Math.sin(i) * 1e6 : i * 0.25);
      }
      return { c, ts };
    };
    const decode = (it: XORIterator) => {
      const out: string[] = [];
      while (it.next()) out.push(`${it.t}:${it.hi}:${it.lo}`);
      return out;
    };
    for (const n of [1, 2, CHECKPOINT_INTERVAL - 1, CHECKPOINT_INTERVAL, CHECKPOINT_INTERVAL + 1, 119, 120]) {
      const { c, ts } = make(n);
      const all = decode(new XORIterator(c.bytes().slice()));
      for (const mint of [ts[0]! - 1, ...ts, ...ts.map((t) => t + 1)]) {
        const it = c.iterator(mint);
        const tail = decode(it).filter((s) => Number(s.split(':')[0]) >= mint);
        expect(tail).toEqual(all.filter((s) => Number(s.split(':')[0]) >= mint));
      }
    }
  });

  it('readInto appends exactly the samples in [mint, maxt], bits intact, from any start', () => {
    const c = new XORChunk();
    const ts: number[] = [];
    let t = 1_000_000;
    for (let i = 0; i < 120; i++) {
      t += [15_000, 15_001, 14_999, 600_000, 86_400_000 * 40][i % 9 === 4 ? 3 + (i % 2) : i % 3]!;
      ts.push(t);
      if (i % 13 === 7) c.appendBits(t, STALE_NAN_HI, STALE_NAN_LO);
      else c.append(t, [0, -0, 1e300, 5e-324, Math.PI * i, 42, 42, -i][i % 8]!);
    }
    const all: [number, number, number][] = [];
    const full = new XORIterator(c.bytes().slice());
    while (full.next()) all.push([full.t, full.hi, full.lo]);
    const sink = () => {
      const got: [number, number, number][] = [];
      return { got, pushBits: (st: number, hi: number, lo: number) => got.push([st, hi, lo]) };
    };
    for (let a = 0; a < 120; a += 7)
      for (let b = a; b < 120; b += 11) {
        const [mint, maxt] = [ts[a]! - (a % 2), ts[b]! + (b % 2)];
        const want = all.filter(([st]) => st >= mint && st <= maxt);
        // From the start of an exact-size copy (the last words read past the end) and from a checkpoint.
        for (const it of [new XORIterator(c.bytes().slice()), c.iterator(mint)]) {
          const out = sink();
          it.readInto(mint, maxt, out);
          expect(out.got).toEqual(want);
        }
      }
  });

  it('skips the samples before the window instead of decoding them', () => {
    const c = new XORChunk();
    for (let i = 0; i < 120; i++) c.append(i * 15_000, i);
    const it = c.iterator(100 * 15_000);
    let decoded = 0;
    while (it.next()) decoded++;
    // Samples 100..119 are wanted; the read starts at the checkpoint before sample 100.
    expect(decoded).toBeLessThanOrEqual(20 + CHECKPOINT_INTERVAL);
    expect(decoded).toBeGreaterThanOrEqual(20);
  });

  it('refuses a chunk whose bits end before its sample count', () => {
    const c = new XORChunk();
    for (let i = 0; i < 50; i++) c.append(i * 15_000, Math.sqrt(i));
    const bytes = c.bytes().slice(0, 20);
    const it = new XORIterator(bytes);
    expect(() => {
      while (it.next());
    }).toThrow(RangeError);
  });
});
