import { describe, expect, it } from 'vitest';
import { RecentMap } from '../src/tokens/recent-map.js';

describe('RecentMap (the verified-token cache)', () => {
  it('stays bounded and keeps the entries in use while unused ones age out', () => {
    const map = new RecentMap<number>(10);
    map.set('hot', 0);
    for (let i = 0; i < 100; i++) {
      map.set(`cold-${i}`, i);
      expect(map.get('hot')).toBe(0); // used at every step: never dropped
      expect(map.size).toBeLessThanOrEqual(11);
    }
    expect(map.get('cold-0')).toBeUndefined();
    expect(map.get('cold-99')).toBe(99);
  });

  it('forgets on delete and clear, in both generations', () => {
    const map = new RecentMap<string>(4);
    for (const key of ['a', 'b', 'c']) map.set(key, key);
    map.delete('a');
    expect(map.get('a')).toBeUndefined();
    expect(map.get('c')).toBe('c');
    map.clear();
    expect(map.get('b')).toBeUndefined();
    expect(map.size).toBe(0);
  });
});
