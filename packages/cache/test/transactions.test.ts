import { describe, expect, it } from 'vitest';
import { rawExchange, resp, useFlushedServer } from './helpers.js';

describe('MULTI/EXEC/WATCH', () => {
  const t = useFlushedServer();

  it('runs the queue atomically and returns every reply, including runtime errors', async () => {
    await t.redis.set('s', 'text');
    const result = await t.redis.multi().incr('n').incr('s').get('n').exec();
    expect(result![0]).toEqual([null, 1]);
    expect((result![1]![0] as Error).message).toContain('ERR value is not an integer');
    expect(result![2]).toEqual([null, '1']);
  });

  it('a command that fails to queue aborts EXEC with EXECABORT', async () => {
    const { reply } = await rawExchange(
      t.h.server.port,
      Buffer.concat([resp('MULTI'), resp('SET', 'a', '1'), resp('GET'), resp('EXEC'), resp('EXISTS', 'a')]),
    );
    expect(reply).toBe(
      "+OK\r\n+QUEUED\r\n-ERR wrong number of arguments for 'get' command\r\n-EXECABORT Transaction discarded because of previous errors.\r\n:0\r\n",
    );
  });

  it('nesting, EXEC/DISCARD without MULTI and WATCH inside MULTI are errors', async () => {
    const { reply } = await rawExchange(
      t.h.server.port,
      Buffer.concat([
        resp('EXEC'),
        resp('DISCARD'),
        resp('MULTI'),
        resp('MULTI'),
        resp('WATCH', 'x'),
        resp('DISCARD'),
      ]),
    );
    expect(reply).toBe(
      '-ERR EXEC without MULTI\r\n-ERR DISCARD without MULTI\r\n+OK\r\n-ERR MULTI calls can not be nested\r\n-ERR WATCH inside MULTI is not allowed\r\n+OK\r\n',
    );
  });

  it('WATCH: a modified key makes EXEC return null; an untouched one lets it run', async () => {
    const other = t.h.client();
    await t.redis.set('balance', '10');
    await t.redis.watch('balance');
    await other.incr('balance');
    expect(await t.redis.multi().set('balance', '0').exec()).toBeNull();
    expect(await t.redis.get('balance')).toBe('11');
    await t.redis.watch('balance');
    expect(await t.redis.multi().set('balance', '0').exec()).toEqual([[null, 'OK']]);
  });

  it('WATCH: a key that expires after WATCH counts as modified; FLUSHALL too', async () => {
    await t.redis.set('temp', '1', 'PX', 50);
    await t.redis.watch('temp');
    await new Promise((r) => setTimeout(r, 80));
    expect(await t.redis.multi().get('temp').exec()).toBeNull();
    await t.redis.set('k', '1');
    await t.redis.watch('k');
    await t.h.client().flushall();
    expect(await t.redis.multi().get('k').exec()).toBeNull();
  });
});
