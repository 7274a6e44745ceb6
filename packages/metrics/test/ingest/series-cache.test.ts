import { describe, expect, it } from 'vitest';
import { hashBytes, LabelBytesCache } from '../../src/ingest/series-cache.js';

describe('label-bytes series cache', () => {
  const buf = new TextEncoder().encode('abcdefgh|abcdefgh|abcdefgX|abc');

  it('finds a series by equal bytes anywhere in a buffer, not by position', () => {
    const cache = new LabelBytesCache();
    cache.set(buf, 0, 8, 7);
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    expect(hashBytes(view, 9, 17)).toBe(hashBytes(view, 0, 8));
    expect(cache.get(buf, 9, 17)).toBe(7);
    expect(cache.get(buf, 18, 26)).toBeUndefined();
    expect(cache.get(buf, 27, 30)).toBeUndefined();
  });

  it('follows the order series came in last time, and falls back to the hash when it changes', () => {
    const cache = new LabelBytesCache();
    cache.set(buf, 0, 8, 1); // abcdefgh
    cache.set(buf, 18, 26, 2); // abcdefgX
    cache.set(buf, 27, 30, 3); // abc
    for (let round = 0; round < 2; round++) {
      expect(cache.get(buf, 9, 17)).toBe(1);
      expect(cache.get(buf, 18, 26)).toBe(2);
      expect(cache.get(buf, 27, 30)).toBe(3);
    }
    expect(cache.get(buf, 18, 26)).toBe(2); // out of order
    expect(cache.get(buf, 0, 8)).toBe(1);
    expect(cache.get(buf, 1, 9)).toBeUndefined(); // a guess is checked, not trusted
    cache.set(buf, 9, 17, 4);
    expect(cache.get(buf, 0, 8)).toBe(4);
    cache.clear();
    expect(cache.get(buf, 0, 8)).toBeUndefined();
  });

  it('keeps its own copy of the bytes (request buffers are reused)', () => {
    const scratch = Uint8Array.from(buf);
    const cache = new LabelBytesCache();
    cache.set(scratch, 0, 8, 9);
    scratch.fill(0);
    expect(cache.get(buf, 0, 8)).toBe(9);
  });
});
