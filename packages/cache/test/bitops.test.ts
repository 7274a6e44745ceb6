import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from './helpers.js';

describe('bit operations and MONITOR', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(() => h.stop());

  it('SETBIT/GETBIT/BITCOUNT/BITPOS/BITOP agree with Redis', async () => {
    const redis = h.client();
    expect(await redis.setbit('b', 7, 1)).toBe(0);
    expect(await redis.setbit('b', 7, 1)).toBe(1);
    await redis.setbit('b', 100, 1);
    expect(await redis.getbit('b', 100)).toBe(1);
    expect(await redis.strlen('b')).toBe(13);
    expect(await redis.bitcount('b')).toBe(2);
    expect(await redis.bitcount('b', 0, 0)).toBe(1);
    expect(await redis.call('bitcount', 'b', '1', '-1', 'BIT')).toBe(2);
    expect(await redis.bitpos('b', 1)).toBe(7);
    expect(await redis.bitpos('b', 1, 1)).toBe(100);
    await redis.set('x', Buffer.from([0xff, 0xf0, 0x00]));
    expect(await redis.bitpos('x', 0)).toBe(12);
    expect(await redis.bitpos('x', 0, 0, 0)).toBe(-1);
    expect(await redis.bitop('AND', 'd', 'b', 'x')).toBe(13);
    expect(await redis.bitop('NOT', 'n', 'x')).toBe(3);
    expect(await redis.getBuffer('n')).toEqual(Buffer.from([0x00, 0x0f, 0xff]));
    await expect(redis.setbit('b', 2 ** 32, 1)).rejects.toThrow(
      'ERR bit offset is not an integer or out of range',
    );
    await expect(redis.setbit('b', 1, 2)).rejects.toThrow('ERR bit is not an integer or out of range');
  });

  it('MONITOR streams every command other clients run', async () => {
    const monitor = await h.client().monitor();
    const lines: string[] = [];
    monitor.on('monitor', (_time: string, args: string[]) => lines.push(args.join(' ')));
    const redis = h.client();
    await redis.set('watched', 'value');
    await redis.get('watched');
    await new Promise((r) => setTimeout(r, 50));
    expect(lines).toContain('set watched value');
    expect(lines).toContain('get watched');
    monitor.disconnect();
  });
});
