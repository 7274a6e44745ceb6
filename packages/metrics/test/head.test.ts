import { describe, expect, it } from 'vitest';
import { isStaleAt, STALE_NAN_HI, STALE_NAN_LO } from '../src/chunkenc/xor.js';
import { AppendError, Head } from '../src/head.js';
import { labelsFromRecord, validateLabels } from '../src/labels.js';

const series = (name: string, extra: Record<string, string> = {}) =>
  labelsFromRecord({ __name__: name, ...extra });

describe('head', () => {
  it('finds a series by its label set and cuts chunks every 120 samples', () => {
    const head = new Head();
    const { ref, created } = head.getOrCreate(series('x', { a: '1' }));
    expect(created).toBe(true);
    expect(head.getOrCreate(series('x', { a: '1' }))).toEqual({ ref, created: false });
    for (let i = 0; i < 300; i++) head.append(ref, i * 1000, i);
    const s = head.memSeries(ref)!;
    expect(s.chunks.length).toBe(2);
    expect(s.head!.numSamples).toBe(60);
    const out = head.samples(ref, 100_000, 250_000);
    expect(out.length).toBe(151);
    expect(out.t[0]).toBe(100_000);
    expect(out.v[150]).toBe(250);
    expect(head.numSamples).toBe(300);
  });

  it('rejects out-of-order samples outside the window and accepts them inside', () => {
    const strict = new Head();
    const a = strict.getOrCreate(series('x')).ref;
    strict.append(a, 10_000, 1);
    expect(() => strict.append(a, 9_000, 1)).toThrow(AppendError);
    strict.append(a, 10_000, 1); // identical retry is fine
    expect(() => strict.append(a, 10_000, 2)).toThrow(/duplicate sample/);

    const lenient = new Head({ outOfOrderWindowMs: 60_000 });
    const b = lenient.getOrCreate(series('x')).ref;
    lenient.append(b, 100_000, 3);
    lenient.append(b, 80_000, 1);
    lenient.append(b, 90_000, 2);
    expect(() => lenient.append(b, 10_000, 0)).toThrow(/out of order/);
    const out = lenient.samples(b, 0, 200_000);
    expect(Array.from(out.t.subarray(0, out.length))).toEqual([80_000, 90_000, 100_000]);
    expect(Array.from(out.v.subarray(0, out.length))).toEqual([1, 2, 3]);
  });

  it('stores staleness markers bit-exactly', () => {
    const head = new Head();
    const ref = head.getOrCreate(series('x')).ref;
    head.append(ref, 1, 5);
    head.appendBits(ref, 2, STALE_NAN_HI, STALE_NAN_LO);
    const out = head.samples(ref, 0, 10);
    expect(isStaleAt(out.v, 0)).toBe(false);
    expect(isStaleAt(out.v, 1)).toBe(true);
  });

  it('enforces series limits per head and per metric with clear errors', () => {
    const head = new Head({ limits: { maxSeries: 3, maxSeriesPerMetric: 2 } });
    head.getOrCreate(series('a', { i: '1' }));
    head.getOrCreate(series('a', { i: '2' }));
    expect(() => head.getOrCreate(series('a', { i: '3' }))).toThrow(
      /metric "a" reached its limit of 2 series/,
    );
    head.getOrCreate(series('b'));
    expect(() => head.getOrCreate(series('c'))).toThrow(/series limit of 3 reached/);
  });

  it('truncates data that moved to blocks and drops empty series', () => {
    const head = new Head();
    const old = head.getOrCreate(series('old')).ref;
    const live = head.getOrCreate(series('live')).ref;
    for (let i = 0; i < 240; i++) head.append(live, i * 1000, i);
    head.append(old, 1000, 1);
    head.truncate(150_000);
    expect(head.memSeries(old)).toBeUndefined();
    expect(head.labelValues('__name__')).toEqual(['live']);
    expect(head.samples(live, 0, 1e9).t[0]).toBe(120_000);
  });
});

describe('labels', () => {
  it('validates names', () => {
    expect(validateLabels(series('ok_name:x', { job: 'a' }))).toBeUndefined();
    expect(validateLabels(series('1bad'))).toMatch(/invalid metric name/);
    expect(validateLabels(labelsFromRecord({ job: 'a' }))).toMatch(/missing metric name/);
    expect(
      validateLabels([
        { name: '__name__', value: 'a' },
        { name: 'b-c', value: 'x' },
      ]),
    ).toMatch(/invalid label name/);
    expect(
      validateLabels([
        { name: '__name__', value: 'a' },
        { name: 'x', value: '1' },
        { name: 'x', value: '2' },
      ]),
    ).toMatch(/duplicate label name/);
  });
});
