import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { BenchRow, BenchSuite } from '@parley/kit/bench';
import { Redis } from 'ioredis';
import { scriptingBench } from './scripting.js';

/**
 * Parley cache against a real redis-server started here on a free loopback port, both driven by
 * the same redis-benchmark (Debian redis-tools) in the same run; only the ratio is meaningful on
 * a shared machine. Then memory for many small keys (DEBUG POPULATE) in both.
 */
const run = promisify(execFile);
const TESTS = 'set,get,incr,lpush,lpop,sadd,hset,zadd,mset';

interface Server {
  name: string;
  port: number;
  child: ChildProcess;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

async function waitForPing(port: number): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const redis = new Redis({
      port,
      host: '127.0.0.1',
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    redis.on('error', () => {});
    try {
      await redis.connect();
      await redis.ping();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    } finally {
      redis.disconnect();
    }
  }
  throw new Error(`server on ${port} did not answer PING`);
}

async function startRedis(): Promise<Server> {
  const port = await freePort();
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--enable-debug-command',
      'yes',
    ],
    {
      stdio: 'ignore',
    },
  );
  await waitForPing(port);
  return { name: 'redis', port, child };
}

async function startParley(): Promise<Server> {
  const script = fileURLToPath(new URL('./server-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /port (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`parley cache exited with ${code}`)));
  });
  await waitForPing(port);
  return { name: 'parley', port, child };
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve();
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
}

/** Runs redis-benchmark --csv and parses "test","rps","avg","min","p50","p95","p99","max". */
async function benchmark(
  port: number,
  pipeline: number,
  requests: number,
  tests: string,
): Promise<Map<string, Figures>> {
  const args = [
    '-h',
    '127.0.0.1',
    '-p',
    String(port),
    '-c',
    '50',
    '-n',
    String(requests),
    '-P',
    String(pipeline),
    '-t',
    tests,
    '--csv',
  ];
  const { stdout } = await run('redis-benchmark', args, { maxBuffer: 1 << 20 });
  const out = new Map<string, Figures>();
  for (const line of stdout.split('\n').slice(1)) {
    const cells = line.split(',').map((cell) => cell.replace(/"/g, ''));
    if (cells.length < 7) continue;
    out.set(cells[0]!.split(' ')[0]!, {
      rps: Number(cells[1]),
      p50: Number(cells[4]),
      p99: Number(cells[6]),
    });
  }
  return out;
}

async function usedMemory(port: number): Promise<{ used: number; rss: number }> {
  const redis = new Redis({ port, host: '127.0.0.1' });
  try {
    const info = await redis.info('memory');
    const field = (name: string) => Number(new RegExp(`^${name}:(\\d+)`, 'm').exec(info)?.[1] ?? 0);
    return { used: field('used_memory'), rss: field('used_memory_rss') };
  } finally {
    redis.disconnect();
  }
}

/** Bytes per key after DEBUG POPULATE of `count` keys (value "value:N"), by used_memory and by RSS. */
async function memoryPerKey(server: Server, count: number): Promise<{ used: number; rss: number }> {
  const before = await usedMemory(server.port);
  const redis = new Redis({ port: server.port, host: '127.0.0.1' });
  try {
    await redis.call('debug', 'populate', String(count));
  } finally {
    redis.disconnect();
  }
  await new Promise((r) => setTimeout(r, 1500));
  const after = await usedMemory(server.port);
  return { used: (after.used - before.used) / count, rss: (after.rss - before.rss) / count };
}

const suite: BenchSuite = {
  name: 'cache (Parley vs redis-server, redis-benchmark -c 50)',
  async run({ quick, log }) {
    const rows: BenchRow[] = [];
    const plans = [
      { pipeline: 1, requests: quick ? 30_000 : 200_000, goal: 0.8 },
      { pipeline: 16, requests: quick ? 150_000 : 1_000_000, goal: 0.5 },
    ];
    const parley = await startParley();
    const redis = await startRedis();
    try {
      // Let V8 compile the hot paths before anything is measured.
      await benchmark(parley.port, 16, 100_000, TESTS);
      for (const { pipeline, requests, goal } of plans) {
        log(
          `redis-benchmark -c 50 -n ${requests} -P ${pipeline} -t <test> --csv, alternating servers per test`,
        );
        for (const test of TESTS.split(',')) {
          // Alternating per test keeps both servers under the same background load.
          const name = test.toUpperCase();
          const figures = (await benchmark(parley.port, pipeline, requests, test)).get(name);
          const peer = (await benchmark(redis.port, pipeline, requests, test)).get(name);
          if (!figures || !peer) continue;
          const label = `${name} -P ${pipeline}`;
          rows.push({
            name: `${label} ops/s`,
            value: figures.rps,
            unit: 'ops/s',
            better: 'higher',
            goal: { ratio: goal },
            peer: { name: 'redis', value: peer.rps },
          });
          rows.push({
            name: `${label} p50`,
            value: figures.p50,
            unit: 'ms',
            better: 'lower',
            peer: { name: 'redis', value: peer.p50 },
          });
          rows.push({
            name: `${label} p99`,
            value: figures.p99,
            unit: 'ms',
            better: 'lower',
            peer: { name: 'redis', value: peer.p99 },
          });
        }
      }
      const keys = quick ? 300_000 : 1_000_000;
      log(`DEBUG POPULATE ${keys} on both`);
      const ourMemory = await memoryPerKey(parley, keys);
      const theirMemory = await memoryPerKey(redis, keys);
      rows.push({
        name: `memory per key (${keys} keys, used_memory)`,
        value: ourMemory.used,
        unit: 'bytes',
        better: 'lower',
        peer: { name: 'redis', value: theirMemory.used },
      });
      rows.push({
        name: `memory per key (${keys} keys, RSS)`,
        value: ourMemory.rss,
        unit: 'bytes',
        better: 'lower',
        peer: { name: 'redis', value: theirMemory.rss },
      });
      rows.push(
        ...(await scriptingBench({ parleyPort: parley.port, redisPort: redis.port }, { quick, log })),
      );
    } finally {
      await stop(parley);
      await stop(redis);
    }
    return rows;
  },
};

export default suite;
