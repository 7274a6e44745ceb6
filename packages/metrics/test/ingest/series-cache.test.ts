import { describe, expect, it } from 'vitest';
import { hashBytes, LabelBytesCache } from '../../src/ingest/series-cache.js';

describe('label-bytes series cache', () => {
  const buf = new TextEncoder().encode('abcdefgh|abcdefgh|abcdefgX|abc');

  it('finds a series by equal bytes anywhere in a buffer, not by position', () => {
    const cache = new LabelBytesCache();
    cache.set(buf, 0, 8, hashBytes(buf, 0, 8), 7);
    expect(hashBytes(buf, 9, 17)).toBe(hashBytes(buf, 0, 8));
    expect(cache.get(buf, 9, 17, hashBytes(buf, 9, 17))).toBe(7);
    expect(cache.get(buf, 18, 26, hashBytes(buf, 18, 26))).toBeUndefined();
    expect(cache.get(buf, 27, 30, hashBytes(buf, 27, 30))).toBeUndefined();
  });

  it('compares bytes, so entries that share a hash stay apart', () => {
    const cache = new LabelBytesCache();
    cache.set(buf, 0, 8, 1, 1);
    cache.set(buf, 18, 26, 1, 2);
    cache.set(buf, 27, 30, 1, 3);
    expect(cache.get(buf, 9, 17, 1)).toBe(1);
    expect(cache.get(buf, 18, 26, 1)).toBe(2);
    expect(cache.get(buf, 27, 30, 1)).toBe(3);
    cache.set(buf, 9, 17, 1, 4);
    expect(cache.get(buf, 0, 8, 1)).toBe(4);
    cache.clear();
    expect(cache.get(buf, 0, 8, 1)).toBeUndefined();
  });

  it('keeps its own copy of the bytes (request buffers are reused)', () => {
    const scratch = Uint8Array.from(buf);
    const cache = new LabelBytesCache();
    cache.set(scratch, 0, 8, hashBytes(scratch, 0, 8), 9);
    scratch.fill(0);
    expect(cache.get(buf, 0, 8, hashBytes(buf, 0, 8))).toBe(9);
  });
});
