import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { type BenchOptions, type BenchRow, median } from '@parley/kit/bench';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';

/**
 * Scripting figures, Parley cache against redis-server in the same run: EVALSHA of a small script
 * under redis-benchmark, then BullMQ (unmodified) adding and processing jobs at concurrency 1 and
 * 50, in rounds (3, or 5 with --full), reporting medians. The caller starts both servers and
 * passes their ports (bench/index.ts owns their lifecycle).
 */
const run = promisify(execFile);

export interface ScriptingBenchTargets {
  parleyPort: number;
  redisPort: number;
}

const SMALL_SCRIPT = "return redis.call('incr', KEYS[1])";

/** redis-benchmark running one EVALSHA command line; returns requests per second. */
export async function evalshaRate(port: number, requests: number): Promise<number> {
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
export async function bullmqRate(port: number, count: number, concurrency: number): Promise<number> {
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

/**
 * The same warm-up for both servers before anything is measured: both load BullMQ's scripts, and
 * V8 compiles Parley's script path (the bridge, the commands BullMQ's scripts run). Parley takes
 * a few thousand jobs to reach its steady cost per job (in-process replay: 200, 80, 62, 43 µs per
 * script run over the first four 1,000-job rounds), hence 4,000 jobs.
 */
export async function warmUp(port: number): Promise<void> {
  await bullmqRate(port, 4000, 50);
}

interface Measure {
  name: string;
  unit: string;
  goal?: number;
  /** One figure for the server on `port`. */
  rate(port: number): Promise<number>;
}

/**
 * Every measure in rounds, Parley and Redis back to back (so both see the same background load);
 * each row is the median of its rounds, and every round's ratio is logged.
 */
export async function scriptingBench(
  targets: ScriptingBenchTargets,
  { quick, log }: BenchOptions,
): Promise<BenchRow[]> {
  const requests = quick ? 20_000 : 200_000;
  const jobs = quick ? 2_000 : 10_000;
  const rounds = quick ? 3 : 5;
  const measures: Measure[] = [
    {
      name: 'EVALSHA small script ops/s',
      unit: 'ops/s',
      rate: (port) => evalshaRate(port, requests),
    },
    ...[1, 50].map((concurrency) => ({
      name: `BullMQ add+process ${jobs} jobs, concurrency ${concurrency}`,
      unit: 'jobs/s',
      goal: 0.7,
      rate: (port: number) => bullmqRate(port, jobs, concurrency),
    })),
  ];
  log(`redis-benchmark -c 50 -n ${requests} evalsha <sha of "${SMALL_SCRIPT}"> 1 key`);
  log(`BullMQ: add ${jobs} jobs (addBulk of 500), process them with concurrency 1, then 50`);
  for (const port of [targets.parleyPort, targets.redisPort]) await warmUp(port);
  const figures = measures.map(() => ({ parley: [] as number[], redis: [] as number[] }));
  for (let round = 1; round <= rounds; round++) {
    for (const [i, measure] of measures.entries()) {
      // Who goes first alternates, so a load change during a round does not favour one side.
      const [first, second] =
        round % 2 === 1 ? [targets.parleyPort, targets.redisPort] : [targets.redisPort, targets.parleyPort];
      const firstRate = await measure.rate(first);
      const secondRate = await measure.rate(second);
      const [parley, redis] = round % 2 === 1 ? [firstRate, secondRate] : [secondRate, firstRate];
      figures[i]!.parley.push(parley);
      figures[i]!.redis.push(redis);
      log(
        `round ${round}/${rounds} ${measure.name}: parley ${Math.round(parley)}, redis ${Math.round(redis)}, ratio ${(parley / redis).toFixed(2)}`,
      );
    }
  }
  return measures.map((measure, i) => ({
    name: rounds > 1 ? `${measure.name} (median of ${rounds})` : measure.name,
    value: median(figures[i]!.parley),
    unit: measure.unit,
    better: 'higher',
    ...(measure.goal === undefined ? {} : { goal: { ratio: measure.goal } }),
    peer: { name: 'redis', value: median(figures[i]!.redis) },
  }));
}
