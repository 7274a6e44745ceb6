import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import type { BenchOptions, BenchRow } from '@parley/kit/bench';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * Scripting figures, Parley cache against redis-server in the same run: EVALSHA of a small script
 * under redis-benchmark, then BullMQ (unmodified) adding and processing jobs at concurrency 1 and
 * 50. The caller starts both servers and passes their ports (bench/index.ts owns their lifecycle).
 */
const run = promisify(execFile);

export interface ScriptingBenchTargets {
  parleyPort: number;
  redisPort: number;
}

const SMALL_SCRIPT = "return redis.call('incr', KEYS[1])";

/** redis-benchmark running one EVALSHA command line; returns requests per second. */
async function evalshaRate(port: number, requests: number): Promise<number> {
  const redis = new Redis({ port, host: '127.0.0.1' });
  const sha = (await redis.script('LOAD', SMALL_SCRIPT)) as string;
  redis.disconnect();
  const args = ['-h', '127.0.0.1', '-p', String(port), '-c', '50', '-n', String(requests), '--csv'];
  const { stdout } = await run('redis-benchmark', [...args, 'evalsha', sha, '1', 'bench:evalsha:counter']);
  // "test","rps",...: the one data line after the header.
  const line = stdout.trim().split('\n')[1] ?? '';
  return Number(line.split(',')[1]?.replaceAll('"', ''));
}

/** Adds `count` jobs, then processes them with one worker at `concurrency`; returns jobs/s. */
async function bullmqRate(port: number, count: number, concurrency: number): Promise<number> {
  const connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
  const prefix = `bench-bullmq:${randomUUID()}`;
  const queue = new Queue('bench', { connection, prefix });
  const started = performance.now();
  for (let i = 0; i < count; i += 500) {
    const size = Math.min(500, count - i);
    await queue.addBulk(
      Array.from({ length: size }, (_, j) => ({
        name: 'job',
        data: { n: i + j },
        opts: { removeOnComplete: true },
      })),
    );
  }
  let done = 0;
  const finished = new Promise<void>((resolve) => {
    const worker = new Worker('bench', async (job) => job.data.n, { connection, prefix, concurrency });
    worker.on('completed', () => {
      if (++done === count) void worker.close().then(resolve);
    });
  });
  await finished;
  const seconds = (performance.now() - started) / 1000;
  await queue.obliterate({ force: true });
  await queue.close();
  return count / seconds;
}

export async function scriptingBench(
  targets: ScriptingBenchTargets,
  { quick, log }: BenchOptions,
): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const requests = quick ? 20_000 : 200_000;
  log(`redis-benchmark -c 50 -n ${requests} evalsha <sha of "${SMALL_SCRIPT}"> 1 key`);
  const ours = await evalshaRate(targets.parleyPort, requests);
  const theirs = await evalshaRate(targets.redisPort, requests);
  rows.push({
    name: 'EVALSHA small script ops/s',
    value: ours,
    unit: 'ops/s',
    better: 'higher',
    peer: { name: 'redis', value: theirs },
  });
  const jobs = quick ? 2_000 : 10_000;
  for (const concurrency of [1, 50]) {
    log(`BullMQ: add ${jobs} jobs (addBulk of 500), process them with concurrency ${concurrency}`);
    const parley = await bullmqRate(targets.parleyPort, jobs, concurrency);
    const redis = await bullmqRate(targets.redisPort, jobs, concurrency);
    rows.push({
      name: `BullMQ add+process ${jobs} jobs, concurrency ${concurrency}`,
      value: parley,
      unit: 'jobs/s',
      better: 'higher',
      goal: { ratio: 0.7 },
      peer: { name: 'redis', value: redis },
    });
  }
  return rows;
}
