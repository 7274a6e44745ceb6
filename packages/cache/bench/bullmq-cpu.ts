/**
 * Server CPU per BullMQ job, Parley cache against redis-server: each server in its own process
 * (so the BullMQ client's CPU is not counted), jobs/s and the server's user+system CPU per job
 * from /proc, at concurrency 1 and 50, in rounds that alternate who goes first.
 *
 *   npx tsx packages/cache/bench/bullmq-cpu.ts [--jobs 10000] [--rounds 3] [--profile <dir>]
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
import { bullmqRate } from './scripting.js';

const { values } = parseArgs({
  options: {
    jobs: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '3' },
    profile: { type: 'string' },
  },
});
const jobs = Number(values.jobs);
const rounds = Number(values.rounds);

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
try {
  // Warm-up: V8 compiles the hot paths, both servers load BullMQ's scripts.
  for (const server of [parley, redis]) await bullmqRate(server.port, 1000, 10);
  for (const concurrency of [1, 50]) {
    const figures = { parley: [] as number[][], redis: [] as number[][] };
    for (let round = 1; round <= rounds; round++) {
      const order = round % 2 === 1 ? [parley, redis] : [redis, parley];
      const line: string[] = [];
      for (const server of order) {
        const before = cpuMs(server.child.pid!);
        const commandsBefore = await commandsProcessed(server.port);
        const clientBefore = process.cpuUsage();
        const rate = await bullmqRate(server.port, jobs, concurrency);
        const client = process.cpuUsage(clientBefore);
        const cpu = ((cpuMs(server.child.pid!) - before) * 1000) / jobs;
        const commands = ((await commandsProcessed(server.port)) - commandsBefore) / jobs;
        figures[server.name as 'parley' | 'redis'].push([rate, cpu]);
        line.push(
          `${server.name} ${Math.round(rate)} jobs/s ${cpu.toFixed(0)} µs CPU/job (client ${((client.user + client.system) / jobs).toFixed(0)} µs, ${commands.toFixed(1)} commands/job)`,
        );
      }
      const [p, r] = [figures.parley.at(-1)!, figures.redis.at(-1)!];
      console.log(
        `c${concurrency} round ${round}: ${line.join(', ')}; ratio ${(p[0]! / r[0]!).toFixed(2)}, CPU ${(p[1]! / r[1]!).toFixed(2)}x`,
      );
    }
    const ratios = figures.parley.map((p, i) => p[0]! / figures.redis[i]![0]!);
    const cpu = figures.parley.map((p, i) => p[1]! / figures.redis[i]![1]!);
    console.log(
      `c${concurrency} median: parley ${Math.round(median(figures.parley.map((f) => f[0]!)))} redis ${Math.round(median(figures.redis.map((f) => f[0]!)))} jobs/s, ratio ${median(ratios).toFixed(2)}; CPU/job parley ${median(figures.parley.map((f) => f[1]!)).toFixed(0)} µs redis ${median(figures.redis.map((f) => f[1]!)).toFixed(0)} µs (${median(cpu).toFixed(2)}x)`,
    );
  }
} finally {
  for (const server of [parley, redis]) {
    const exited = new Promise((resolve) => server.child.once('exit', resolve));
    server.child.kill('SIGTERM');
    await exited;
  }
}
