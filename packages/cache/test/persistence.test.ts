import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeSnapshot } from '../src/persistence/snapshot.js';
import { type Harness, startHarness } from './helpers.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-cache-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function writeSample(redis: Redis): Promise<void> {
  await redis.set('s', 'v');
  await redis.set('ttl', 'v', 'EX', 1000);
  await redis.rpush('l', 'a', 'b', 'c');
  await redis.hset('h', 'f', '1');
  await redis.sadd('set', 'x', 'y');
  await redis.zadd('z', 1.5, 'm', 2, 'n');
  await redis.incrbyfloat('f', '1.25');
  await redis.select(5);
  await redis.set('in5', 'yes');
  await redis.select(0);
  await redis.multi().incr('counter').incr('counter').exec();
  await redis.lpop('l');
  await redis.spop('set');
  await redis.xadd('st', '*', 'field', 'value');
  await redis.xgroup('CREATE', 'st', 'grp', '0');
  await redis.xreadgroup('GROUP', 'grp', 'alice', 'STREAMS', 'st', '>');
}

async function expectSample(redis: Redis): Promise<void> {
  expect(await redis.get('s')).toBe('v');
  expect(await redis.ttl('ttl')).toBeGreaterThan(900);
  expect(await redis.lrange('l', 0, -1)).toEqual(['b', 'c']);
  expect(await redis.hgetall('h')).toEqual({ f: '1' });
  expect(await redis.scard('set')).toBe(1);
  expect(await redis.zrange('z', 0, -1, 'WITHSCORES')).toEqual(['m', '1.5', 'n', '2']);
  expect(await redis.get('f')).toBe('1.25');
  expect(await redis.get('counter')).toBe('2');
  await redis.select(5);
  expect(await redis.get('in5')).toBe('yes');
  await redis.select(0);
  expect((await redis.xrange('st', '-', '+'))[0]![1]).toEqual(['field', 'value']);
  expect(((await redis.xpending('st', 'grp')) as unknown[])[0]).toBe(1);
}

async function restart(
  h: Harness,
  dir: string,
  extra: Parameters<typeof startHarness>[0] = {},
): Promise<Harness> {
  await h.stop();
  return startHarness({ dir, appendonly: true, ...extra });
}

describe('append-only file', () => {
  it('replays every write after a restart (appendfsync always)', async () => {
    const dir = tempDir();
    let h = await startHarness({ dir, appendonly: true, appendfsync: 'always' });
    await writeSample(h.client());
    h = await restart(h, dir);
    try {
      await expectSample(h.client());
    } finally {
      await h.stop();
    }
  });

  it('BGREWRITEAOF writes a snapshot preamble plus the tail; both reload', async () => {
    const dir = tempDir();
    let h = await startHarness({ dir, appendonly: true });
    const redis = h.client();
    await writeSample(redis);
    for (let i = 0; i < 2000; i++) await redis.rpush('big', String(i));
    await redis.bgrewriteaof();
    await redis.set('after', 'rewrite');
    for (let i = 0; i < 500 && (await redis.info('persistence')).includes('aof_rewrite_in_progress:1'); i++)
      await new Promise((r) => setTimeout(r, 20));
    await redis.set('after2', 'rewrite');
    expect(readFileSync(join(dir, 'appendonly.aof')).subarray(0, 8).toString()).toBe('PARLEYDB');
    h = await restart(h, dir);
    try {
      const again = h.client();
      await expectSample(again);
      expect(await again.llen('big')).toBe(2000);
      expect(await again.get('after')).toBe('rewrite');
      expect(await again.get('after2')).toBe('rewrite');
    } finally {
      await h.stop();
    }
  });

  it('a truncated or corrupt tail is reported, the valid prefix loaded and the file repaired', async () => {
    const dir = tempDir();
    let h = await startHarness({ dir, appendonly: true });
    await h.client().set('kept', '1');
    await h.stop();
    const aof = join(dir, 'appendonly.aof');
    appendFileSync(aof, '*3\r\n$3\r\nSET\r\n$4\r\nlost\r\n$5\r\nhal');
    h = await startHarness({ dir, appendonly: true });
    const redis = h.client();
    expect(await redis.get('kept')).toBe('1');
    expect(await redis.exists('lost')).toBe(0);
    expect(await redis.info('persistence')).toContain('aof_last_load_truncated:1');
    expect(existsSync(`${aof}.damaged`)).toBe(true);
    await redis.set('next', '2');
    await h.stop();
    appendFileSync(aof, 'garbage that is not RESP at all\r\n');
    h = await startHarness({ dir, appendonly: true });
    try {
      const again = h.client();
      expect(await again.mget('kept', 'next')).toEqual(['1', '2']);
    } finally {
      await h.stop();
    }
  });

  it('drops a transaction whose EXEC never reached the file', async () => {
    const dir = tempDir();
    let h = await startHarness({ dir, appendonly: true });
    await h.client().set('before', '1');
    h = await restart(h, dir);
    await h.stop();
    appendFileSync(
      join(dir, 'appendonly.aof'),
      '*1\r\n$5\r\nMULTI\r\n*3\r\n$3\r\nSET\r\n$4\r\nhalf\r\n$1\r\n1\r\n',
    );
    h = await startHarness({ dir, appendonly: true });
    try {
      expect(await h.client().mget('before', 'half')).toEqual(['1', null]);
    } finally {
      await h.stop();
    }
  });
});

describe('snapshots', () => {
  it('SAVE and BGSAVE write a snapshot that loads at start-up', async () => {
    const dir = tempDir();
    let h = await startHarness({ dir });
    const redis = h.client();
    await writeSample(redis);
    expect(await redis.save()).toBe('OK');
    await redis.set('later', 'x');
    expect(await redis.bgsave()).toBe('Background saving started');
    for (let i = 0; i < 500 && (await redis.info('persistence')).includes('rdb_bgsave_in_progress:1'); i++)
      await new Promise((r) => setTimeout(r, 20));
    expect(Number(await redis.lastsave())).toBeGreaterThan(Date.now() / 1000 - 10);
    await h.stop();
    h = await startHarness({ dir });
    try {
      await expectSample(h.client());
      expect(await h.client().get('later')).toBe('x');
    } finally {
      await h.stop();
    }
  });

  it('BGSAVE is point-in-time: writes after it started are not in the file', async () => {
    const dir = tempDir();
    const h = await startHarness({ dir });
    try {
      const redis = h.client();
      await redis.call('debug', 'populate', '50000');
      const items = Array.from({ length: 30_000 }, (_, i) => `item-${i}`);
      await redis.rpush('list', ...items);
      await redis.hset('hash', 'f', 'old');
      // BGSAVE and the writes go in one pipeline, so they run while the snapshot is in progress.
      await redis
        .pipeline()
        .bgsave()
        .rpush('list', 'new')
        .hset('hash', 'f', 'new')
        .set('key:1', 'changed')
        .del('key:2')
        .exec();
      for (let i = 0; i < 500 && (await redis.info('persistence')).includes('rdb_bgsave_in_progress:1'); i++)
        await new Promise((r) => setTimeout(r, 20));
      const { records, problem } = decodeSnapshot(readFileSync(join(dir, 'dump.prdb')));
      expect(problem).toBeNull();
      const byKey = new Map(records.map((r) => [r.key, r.value]));
      expect(byKey.size).toBe(50_002);
      expect((byKey.get('list') as { length: number }).length).toBe(30_000);
      expect((byKey.get('hash') as Map<string, string>).get('f')).toBe('old');
      expect(byKey.get('key:1')).toBe('value:1');
      expect(byKey.get('key:2')).toBe('value:2');
    } finally {
      await h.stop();
    }
  });
});

describe('crash safety', () => {
  const script = fileURLToPath(new URL('./fixtures/server-process.ts', import.meta.url));
  const startChild = (dir: string, fsync: string) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir, fsync], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const port = new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /port (\d+)/.exec(out);
        if (match) resolve(Number(match[1]));
      });
      child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    });
    return { child, port };
  };

  /** Writes k0, k1... until the server is killed; returns when each write was acknowledged. */
  async function writeUntilKilled(port: number, killAfterMs: number, kill: () => void): Promise<number[]> {
    const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 0, retryStrategy: () => null });
    redis.on('error', () => {});
    const acked: number[] = [];
    const writer = (async () => {
      for (;;) {
        try {
          await redis.set(`k${acked.length}`, String(acked.length));
          acked.push(Date.now());
        } catch {
          return;
        }
      }
    })();
    await new Promise((r) => setTimeout(r, killAfterMs));
    kill();
    await writer;
    redis.disconnect();
    return acked;
  }

  async function survivors(dir: string, count: number): Promise<(string | null)[]> {
    const second = startChild(dir, 'everysec');
    const check = new Redis({ port: await second.port, host: '127.0.0.1' });
    try {
      return await check.mget(...Array.from({ length: count }, (_, i) => `k${i}`));
    } finally {
      check.disconnect();
      second.child.kill('SIGKILL');
    }
  }

  it('kill -9 while a client writes: with appendfsync always every acknowledged write survives', async () => {
    const dir = tempDir();
    const first = startChild(dir, 'always');
    const acked = await writeUntilKilled(await first.port, 600, () => first.child.kill('SIGKILL'));
    expect(acked.length).toBeGreaterThan(10);
    expect(await survivors(dir, acked.length)).toEqual(acked.map((_, i) => String(i)));
  });

  it('kill -9 with appendfsync everysec loses at most about the last second', async () => {
    const dir = tempDir();
    const first = startChild(dir, 'everysec');
    let killedAt = 0;
    const acked = await writeUntilKilled(await first.port, 1500, () => {
      killedAt = Date.now();
      first.child.kill('SIGKILL');
    });
    const values = await survivors(dir, acked.length);
    acked.forEach((at, i) => {
      if (at < killedAt - 1000) expect(values[i]).toBe(String(i));
    });
  });
});

describe('SHUTDOWN', () => {
  it('stops the server, saving a snapshot when asked', async () => {
    const dir = tempDir();
    let stopped = false;
    const { startCacheServer } = await import('../src/index.js');
    const server = await startCacheServer({ port: 0, dir, onShutdown: () => (stopped = true) });
    const redis = new Redis({ port: server.port, host: '127.0.0.1', retryStrategy: () => null });
    redis.on('error', () => {});
    await redis.set('kept', 'yes');
    expect(await redis.role()).toEqual(['master', 0, []]);
    await redis.call('shutdown', 'SAVE').catch(() => undefined);
    for (let i = 0; i < 500 && !stopped; i++) await new Promise((r) => setTimeout(r, 20));
    expect(stopped).toBe(true);
    redis.disconnect();
    const again = await startHarness({ dir });
    try {
      expect(await again.client().get('kept')).toBe('yes');
    } finally {
      await again.stop();
    }
  });
});
