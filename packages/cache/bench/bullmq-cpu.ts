/**
 * The scripting figures with the server's own CPU, Parley cache against redis-server: each server
 * in its own process (so the client's CPU is not counted), EVALSHA of a small script under
 * redis-benchmark -c 50, then BullMQ add+process at concurrency 1 and 50, in rounds that
 * alternate who goes first; ops/s and the server's user+system CPU per op (from /proc), which
 * depends much less than ops/s on what else the machine is doing.
 *
 *   npx tsx packages/cache/bench/bullmq-cpu.ts [--jobs 10000] [--requests 200000] [--rounds 3] [--profile <dir>]
 *
 * `--profile <dir>` starts the Parley server with `node --cpu-prof --cpu-prof-dir <dir>` (open the
 * .cpuprofile in Chrome DevTools or speedscope); profiling slows it, so its figures are not ratios.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '@parley/kit/bench';
import { Redis } from 'ioredis';
import { cpuTimeMs, waitForPing } from './index.js';
import { bullmqRate, evalshaRate, warmUp } from './scripting.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    requests: { type: 'string', default: '200000' },
    profile: { type: 'string' },
  },
});
const jobs = Number(values.jobs);
const rounds = Number(values.rounds);
const requests = Number(values.requests);

/** user + system CPU ms of a process so far. */
function cpuMs(pid: number): number {
  const ms = cpuTimeMs(pid);
  if (ms === undefined) throw new Error('this benchmark reads /proc/<pid>/stat (Linux)');
  return ms;
}

/** INFO stats total_commands_processed (commands run by scripts included, on both servers). */
async function commandsProcessed(port: number): Promise<number> {
  const redis = new Redis({ port, host: '127.0.0.1' });
  try {
    return Number(/total_commands_processed:(\d+)/.exec(await redis.info('stats'))?.[1]);
  } finally {
    redis.disconnect();
  }
}

interface Server {
  name: string;
  port: number;
  child: ChildProcess;
}

async function start(name: string, port: number, command: string, args: string[]): Promise<Server> {
  const child = spawn(command, [...args, '--port', String(port)], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPing(port, child);
  return { name, port, child };
}

const base = 20_000 + (process.pid % 20_000);
const script = fileURLToPath(new URL('./server-process.ts', import.meta.url));
const profile = values.profile ? ['--cpu-prof', '--cpu-prof-dir', values.profile] : [];
const parley = await start('parley', base, process.execPath, [...profile, '--import', 'tsx', script]);
const redis = await start('redis', base + 1, 'redis-server', [
  '--bind',
  '127.0.0.1',
  '--save',
  '',
  '--appendonly',
  'no',
]);
/** One figure: `count` operations (jobs, requests) against the server on `port`; returns ops/s. */
interface Measure {
  name: string;
  unit: string;
  count: number;
  rate(port: number): Promise<number>;
}

const measures: Measure[] = [
  {
    name: 'EVALSHA (redis-benchmark -c 50)',
    unit: 'ops',
    count: requests,
    rate: (port) => evalshaRate(port, requests),
  },
  ...[1, 50].map((concurrency) => ({
    name: `BullMQ c${concurrency}`,
    unit: 'job',
    count: jobs,
    rate: (port: number) => bullmqRate(port, jobs, concurrency),
  })),
];

/** Runs one measure on one server: [ops/s, server CPU µs/op, client CPU µs/op, commands/op]. */
async function once(measure: Measure, server: Server): Promise<number[]> {
  const before = cpuMs(server.child.pid!);
  const commandsBefore = await commandsProcessed(server.port);
  const clientBefore = process.cpuUsage();
  const rate = await measure.rate(server.port);
  const client = process.cpuUsage(clientBefore);
  const cpu = ((cpuMs(server.child.pid!) - before) * 1000) / measure.count;
  const commands = ((await commandsProcessed(server.port)) - commandsBefore) / measure.count;
  return [rate, cpu, (client.user + client.system) / measure.count, commands];
}

try {
  for (const server of [parley, redis]) await warmUp(server.port);
  for (const measure of measures) {
    const figures = { parley: [] as number[][], redis: [] as number[][] };
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? [parley, redis] : [redis, parley];
      const line: string[] = [];
      for (const server of order) {
        const [rate, cpu, client, commands] = await once(measure, server);
        figures[server.name as 'parley' | 'redis'].push([rate!, cpu!]);
        line.push(
          `${server.name} ${Math.round(rate!)}/s ${cpu!.toFixed(1)} µs CPU/${measure.unit} (client ${client!.toFixed(0)} µs, ${commands!.toFixed(1)} commands)`,
        );
      }
      const [p, r] = [figures.parley.at(-1)!, figures.redis.at(-1)!];
      console.log(
        `${measure.name} round ${round}: ${line.join(', ')}; ratio ${(p[0]! / r[0]!).toFixed(2)}, CPU ${(p[1]! / r[1]!).toFixed(2)}x`,
      );
    }
    const ratios = figures.parley.map((p, i) => p[0]! / figures.redis[i]![0]!);
    const cpu = figures.parley.map((p, i) => p[1]! / figures.redis[i]![1]!);
    const middle = (side: number[][], at: number) => median(side.map((f) => f[at]!));
    console.log(
      `${measure.name} median of ${rounds}: parley ${Math.round(middle(figures.parley, 0))}/s, redis ${Math.round(middle(figures.redis, 0))}/s, ratio ${median(ratios).toFixed(2)} (rounds ${ratios.map((r) => r.toFixed(2)).join(' ')}); server CPU/${measure.unit} parley ${middle(figures.parley, 1).toFixed(1)} µs, redis ${middle(figures.redis, 1).toFixed(1)} µs (${median(cpu).toFixed(2)}x)`,
    );
  }
} finally {
  for (const server of [parley, redis]) {
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await exited;
  }
}
