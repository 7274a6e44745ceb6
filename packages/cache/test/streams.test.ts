import { describe, expect, it } from 'vitest';
import { useFlushedServer } from './helpers.js';

describe('streams', () => {
  const t = useFlushedServer();

  it('XADD IDs, XLEN, XRANGE/XREVRANGE with exclusive bounds and COUNT, XDEL', async () => {
    expect(await t.redis.xadd('s', '1-1', 'a', '1')).toBe('1-1');
    expect(await t.redis.xadd('s', '1-*', 'b', '2')).toBe('1-2');
    await expect(t.redis.xadd('s', '1-1', 'c', '3')).rejects.toThrow(
      'ERR The ID specified in XADD is equal or smaller than the target stream top item',
    );
    await expect(t.redis.xadd('s2', '0-0', 'c', '3')).rejects.toThrow(
      'ERR The ID specified in XADD must be greater than 0-0',
    );
    const auto = (await t.redis.xadd('s', '*', 'c', '3'))!;
    expect(Number(auto.split('-')[0])).toBeGreaterThan(1);
    expect(await t.redis.xlen('s')).toBe(3);
    expect(await t.redis.xrange('s', '-', '+', 'COUNT', 2)).toEqual([
      ['1-1', ['a', '1']],
      ['1-2', ['b', '2']],
    ]);
    expect(await t.redis.xrange('s', '(1-1', '1-2')).toEqual([['1-2', ['b', '2']]]);
    expect((await t.redis.xrevrange('s', '+', '-', 'COUNT', 1))[0]![0]).toBe(auto);
    expect(await t.redis.xdel('s', '1-1', '9-9')).toBe(1);
    expect(await t.redis.xadd('s', 'NOMKSTREAM', '*', 'x', 'y').then(() => t.redis.xlen('s'))).toBe(3);
    expect(await t.redis.xadd('missing', 'NOMKSTREAM', '*', 'x', 'y')).toBeNull();
  });

  it('MAXLEN and MINID trimming, XTRIM', async () => {
    for (let i = 1; i <= 10; i++) await t.redis.xadd('s', 'MAXLEN', '5', `${i}-0`, 'n', String(i));
    expect(await t.redis.xlen('s')).toBe(5);
    expect((await t.redis.xrange('s', '-', '+'))[0]![0]).toBe('6-0');
    expect(await t.redis.xtrim('s', 'MINID', '8')).toBe(2);
    // `~` removes whole nodes (100 entries) only, as Redis does: none of 3 entries here.
    expect(await t.redis.xtrim('s', 'MAXLEN', '~', '1')).toBe(0);
    expect(await t.redis.xlen('s')).toBe(3);
    expect(await t.redis.xtrim('s', 'MAXLEN', '1')).toBe(2);
    expect(await t.redis.xlen('s')).toBe(1);
  });

  it('MAXLEN ~ keeps at least the threshold and trims by whole nodes', async () => {
    const lengths: number[] = [];
    for (let i = 1; i <= 350; i++) {
      await t.redis.xadd('capped', 'MAXLEN', '~', '100', `${i}-0`, 'n', String(i));
      lengths.push(await t.redis.xlen('capped'));
    }
    expect(Math.min(...lengths.slice(100))).toBe(100);
    expect(Math.max(...lengths)).toBe(199);
    expect(lengths.at(-1)).toBe(150);
    expect((await t.redis.xrange('capped', '-', '+', 'COUNT', 1))[0]![0]).toBe('201-0');
    expect(await t.redis.xtrim('capped', 'MAXLEN', '~', '0')).toBe(100);
    expect(await t.redis.xtrim('capped', 'MINID', '~', '340')).toBe(0);
    expect(await t.redis.xtrim('capped', 'MINID', '340')).toBe(39);
  });

  it('a stream trimmed many times between reads reads back whole (ranges, XDEL, XREAD, XINFO)', async () => {
    const appends = t.redis.pipeline();
    for (let i = 1; i <= 1000; i++) appends.xadd('capped', 'MAXLEN', '~', '100', `${i}-0`, 'n', String(i));
    for (let i = 1; i <= 300; i++) appends.xadd('exact', 'MAXLEN', '3', `${i}-0`, 'n', String(i));
    await appends.exec();
    expect(await t.redis.xlen('capped')).toBe(100);
    expect(await t.redis.xtrim('capped', 'MINID', '950')).toBe(49);
    expect(await t.redis.xdel('capped', '10-0', '960-0')).toBe(1);
    const range = await t.redis.xrange('capped', '-', '+');
    expect(range.map(([id]) => id)).toEqual(
      Array.from({ length: 51 }, (_, i) => `${950 + i}-0`).filter((id) => id !== '960-0'),
    );
    expect(range[0]).toEqual(['950-0', ['n', '950']]);
    expect(await t.redis.xrevrange('capped', '+', '-', 'COUNT', 2)).toEqual([
      ['1000-0', ['n', '1000']],
      ['999-0', ['n', '999']],
    ]);
    expect(await t.redis.xread('COUNT', 2, 'STREAMS', 'capped', '5-0')).toEqual([
      [
        'capped',
        [
          ['950-0', ['n', '950']],
          ['951-0', ['n', '951']],
        ],
      ],
    ]);
    const info = (await t.redis.xinfo('STREAM', 'capped')) as unknown[];
    expect(info[info.indexOf('length') + 1]).toBe(50);
    expect(info[info.indexOf('first-entry') + 1]).toEqual(['950-0', ['n', '950']]);
    expect(await t.redis.xrange('exact', '-', '+')).toEqual([
      ['298-0', ['n', '298']],
      ['299-0', ['n', '299']],
      ['300-0', ['n', '300']],
    ]);
  });

  it('XREAD returns new entries and BLOCK waits for XADD (with $)', async () => {
    await t.redis.xadd('s', '1-0', 'a', '1');
    expect(await t.redis.xread('STREAMS', 's', '0')).toEqual([['s', [['1-0', ['a', '1']]]]]);
    expect(await t.redis.xread('STREAMS', 's', '$')).toBeNull();
    const reader = t.h.client();
    const waiting = reader.xread('BLOCK', 0, 'STREAMS', 's', '$');
    await new Promise((r) => setTimeout(r, 30));
    await t.redis.xadd('s', '2-0', 'b', '2');
    expect(await waiting).toEqual([['s', [['2-0', ['b', '2']]]]]);
    const started = Date.now();
    expect(await reader.xread('BLOCK', 100, 'STREAMS', 's', '$')).toBeNull();
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  });

  it('consumer groups: XGROUP, XREADGROUP, XACK, XPENDING, XCLAIM, XAUTOCLAIM, XINFO', async () => {
    await expect(t.redis.xgroup('CREATE', 'jobs', 'g', '$')).rejects.toThrow(
      'ERR The XGROUP subcommand requires the key to exist',
    );
    expect(await t.redis.xgroup('CREATE', 'jobs', 'g', '$', 'MKSTREAM')).toBe('OK');
    await expect(t.redis.xgroup('CREATE', 'jobs', 'g', '$')).rejects.toThrow(
      'BUSYGROUP Consumer Group name already exists',
    );
    for (let i = 1; i <= 3; i++) await t.redis.xadd('jobs', `${i}-0`, 'job', String(i));
    const read = await t.redis.xreadgroup('GROUP', 'g', 'alice', 'COUNT', 2, 'STREAMS', 'jobs', '>');
    expect(read).toEqual([
      [
        'jobs',
        [
          ['1-0', ['job', '1']],
          ['2-0', ['job', '2']],
        ],
      ],
    ]);
    expect(await t.redis.xpending('jobs', 'g')).toEqual([2, '1-0', '2-0', [['alice', '2']]]);
    expect(await t.redis.xack('jobs', 'g', '1-0')).toBe(1);
    const history = await t.redis.xreadgroup('GROUP', 'g', 'alice', 'STREAMS', 'jobs', '0');
    expect(history).toEqual([['jobs', [['2-0', ['job', '2']]]]]);
    await new Promise((r) => setTimeout(r, 20));
    const claimed = await t.redis.xclaim('jobs', 'g', 'bob', 10, '2-0');
    expect(claimed).toEqual([['2-0', ['job', '2']]]);
    const [detail] = (await t.redis.xpending('jobs', 'g', '-', '+', 10)) as [
      string,
      string,
      number,
      number,
    ][];
    expect(detail![0]).toBe('2-0');
    expect(detail![1]).toBe('bob');
    expect(detail![3]).toBe(2);
    await t.redis.xreadgroup('GROUP', 'g', 'carol', 'STREAMS', 'jobs', '>');
    await new Promise((r) => setTimeout(r, 20));
    const auto = (await t.redis.xautoclaim('jobs', 'g', 'dave', 10, '0', 'COUNT', 10, 'JUSTID')) as unknown[];
    expect(auto[0]).toBe('0-0');
    expect((auto[1] as string[]).sort()).toEqual(['2-0', '3-0']);
    const groups = (await t.redis.xinfo('GROUPS', 'jobs')) as unknown[][];
    expect(groups[0]).toEqual(
      expect.arrayContaining(['name', 'g', 'pending', 2, 'last-delivered-id', '3-0']),
    );
    const consumers = (await t.redis.xinfo('CONSUMERS', 'jobs', 'g')) as unknown[][];
    expect(consumers.map((c) => c[1]).sort()).toEqual(['alice', 'bob', 'carol', 'dave']);
    const info = (await t.redis.xinfo('STREAM', 'jobs')) as unknown[];
    expect(info.slice(0, 2)).toEqual(['length', 3]);
    expect(await t.redis.xgroup('DELCONSUMER', 'jobs', 'g', 'dave')).toBe(2);
    expect(await t.redis.xgroup('DESTROY', 'jobs', 'g')).toBe(1);
    await expect(t.redis.xreadgroup('GROUP', 'g', 'x', 'STREAMS', 'jobs', '>')).rejects.toThrow('NOGROUP');
  });

  it('XREADGROUP BLOCK is woken by XADD', async () => {
    await t.redis.xgroup('CREATE', 'q', 'g', '$', 'MKSTREAM');
    const worker = t.h.client();
    const waiting = worker.xreadgroup('GROUP', 'g', 'w1', 'BLOCK', 0, 'STREAMS', 'q', '>');
    await new Promise((r) => setTimeout(r, 30));
    await t.redis.xadd('q', '5-0', 'task', 'x');
    expect(await waiting).toEqual([['q', [['5-0', ['task', 'x']]]]]);
  });
});
