import { afterEach, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.js';

let h: Harness | null = null;
afterEach(async () => {
  await h?.stop();
  h = null;
});

function usedMemory(info: string): number {
  return Number(/used_memory:(\d+)/.exec(info)![1]);
}

describe('maxmemory', () => {
  it('noeviction: writes get the OOM error, reads and deletes still work', async () => {
    h = await startHarness({ maxmemory: '100kb', maxmemoryPolicy: 'noeviction' });
    const redis = h.client();
    let oom: Error | null = null;
    for (let i = 0; i < 2000 && !oom; i++) {
      try {
        await redis.set(`k${i}`, 'x'.repeat(100));
      } catch (error) {
        oom = error as Error;
      }
    }
    expect(oom?.message).toBe("OOM command not allowed when used memory > 'maxmemory'.");
    expect(await redis.get('k0')).toBe('x'.repeat(100));
    expect(await redis.del('k0', 'k1', 'k2')).toBe(3);
    const info = await redis.info('memory');
    expect(info).toContain('maxmemory_policy:noeviction');
    expect(usedMemory(info)).toBeLessThanOrEqual(100 * 1024 + 200);
  });

  it('allkeys-lru keeps recently used keys and stays under the limit', async () => {
    h = await startHarness({ maxmemory: '200kb', maxmemoryPolicy: 'allkeys-lru' });
    const redis = h.client();
    for (let i = 0; i < 50; i++) await redis.set(`hot${i}`, 'x'.repeat(100));
    for (let i = 0; i < 3000; i++) {
      await redis.set(`cold${i}`, 'y'.repeat(100));
      if (i % 10 === 0) for (let j = 0; j < 50; j++) await redis.get(`hot${j}`);
    }
    const info = await redis.info();
    // Eviction runs before a command, so the last write may overshoot by its own size, as in Redis.
    expect(usedMemory(info)).toBeLessThanOrEqual(200 * 1024 + 1024);
    expect(Number(/evicted_keys:(\d+)/.exec(info)![1])).toBeGreaterThan(1000);
    // About a third of all keys fit, so random eviction would keep ~17 of the 50 hot keys;
    // sampled LRU keeps most of them (approximate, like Redis's with 5 samples).
    const hot = await redis.exists(...Array.from({ length: 50 }, (_, i) => `hot${i}`));
    expect(hot, `hot keys kept: ${hot}`).toBeGreaterThanOrEqual(35);
  });

  it('volatile-ttl evicts keys with the nearest expiry and never persistent ones; OOM when none left', async () => {
    h = await startHarness({ maxmemory: '100kb', maxmemoryPolicy: 'volatile-ttl' });
    const redis = h.client();
    for (let i = 0; i < 200; i++) await redis.set(`keep${i}`, 'x'.repeat(100));
    for (let i = 0; i < 400; i++) await redis.set(`tmp${i}`, 'x'.repeat(100), 'EX', 1000 + i);
    expect(await redis.exists(...Array.from({ length: 200 }, (_, i) => `keep${i}`))).toBe(200);
    // Sampled, so approximate: keys expiring soonest go first far more often than the latest ones.
    const early = await redis.exists(...Array.from({ length: 100 }, (_, i) => `tmp${i}`));
    const late = await redis.exists(...Array.from({ length: 100 }, (_, i) => `tmp${300 + i}`));
    expect(early).toBeLessThan(late);
    await expect(async () => {
      for (let i = 0; i < 2000; i++) await redis.set(`more${i}`, 'x'.repeat(100));
    }).rejects.toThrow('OOM');
  });

  it('allkeys-random and CONFIG SET maxmemory at runtime', async () => {
    h = await startHarness();
    const redis = h.client();
    await redis.call('debug', 'populate', '5000');
    await redis.config('SET', 'maxmemory-policy', 'allkeys-random');
    await redis.config('SET', 'maxmemory', '100kb');
    await redis.set('trigger', '1');
    expect(usedMemory(await redis.info('memory'))).toBeLessThanOrEqual(100 * 1024 + 1024);
    expect(await redis.dbsize()).toBeLessThan(5000);
  });

  it('allkeys-lfu tracks access frequency (OBJECT FREQ) and evicts rarely used keys', async () => {
    h = await startHarness({ maxmemory: '150kb', maxmemoryPolicy: 'allkeys-lfu' });
    const redis = h.client();
    await redis.set('popular', 'v');
    for (let i = 0; i < 300; i++) await redis.get('popular');
    expect(Number(await redis.object('FREQ', 'popular'))).toBeGreaterThan(5);
    for (let i = 0; i < 3000; i++) await redis.set(`once${i}`, 'x'.repeat(100));
    expect(await redis.get('popular')).toBe('v');
    await expect(redis.object('IDLETIME', 'popular')).rejects.toThrow('LRU');
  });
});
