import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BenchRow, type BenchSuite, median } from '@parley/kit/bench';
import { Redis } from 'ioredis';
import { scriptingBench } from './scripting.js';

/**
 * Parley cache against a real redis-server, both started here the same way (a child process on
 * a free loopback port, pinned to the same CPU) and driven by the same redis-benchmark command.
 * On a shared machine a single run means little, so every test runs in several rounds that
 * alternate which server goes first. Reported: ops/s of the round with the median Parley/Redis
 * ratio (and every round's ratio), median p50/p99, and the median of the server's own CPU time
 * per request (user + system, from /proc), which does not depend on how much CPU the other jobs
 * left it. Then memory for 1M small
 * keys (DEBUG POPULATE) in both, and the scripting figures (bench/scripting.ts).
 */
const run = promisify(execFile);
const TESTS = ['set', 'get', 'incr', 'lpush', 'lpop', 'sadd', 'hset', 'zadd', 'mset'];
const MEMORY_KEYS = 1_000_000;

/**
 * CPU pinning on a multi-core machine: both servers on CPU 0 and redis-benchmark on CPU 1, so the
 * load generator never takes CPU from the server it measures (only one server is under load at a
 * time). PARLEY_BENCH_PIN=0 turns it off.
 */
const SERVER_CPU = '0';
const CLIENT_CPU = '1';

async function canPin(): Promise<boolean> {
  if (process.env.PARLEY_BENCH_PIN === '0' || availableParallelism() < 2) return false;
  try {
    await run('taskset', ['-c', SERVER_CPU, 'true']);
    return true;
  } catch {
    return false;
  }
}

function pinned(pin: boolean, cpu: string, command: string, args: string[]): [string, string[]] {
  return pin ? ['taskset', ['-c', cpu, command, ...args]] : [command, args];
}

/**
 * Runs `work` with this process pinned to `cpu` (all its threads, and what it starts), then puts
 * its affinity back. For the scripting figures the load generator is this process itself (the
 * BullMQ client) and the redis-benchmark it starts.
 */
async function pinnedSelf<T>(cpu: string, work: () => Promise<T>): Promise<T> {
  const pid = String(process.pid);
  const { stdout } = await run('taskset', ['-p', pid]);
  const mask = /([0-9a-f]+)\s*$/i.exec(stdout)?.[1];
  await run('taskset', ['-a', '-p', '-c', cpu, pid]);
  try {
    return await work();
  } finally {
    if (mask) await run('taskset', ['-a', '-p', mask, pid]);
  }
}

interface Server {
  name: string;
  port: number;
  child: ChildProcess;
}

/** /proc/<pid>/stat counts CPU time in clock ticks (USER_HZ, 100 on Linux). */
const CLOCK_TICK_MS = 10;

/** CPU time (user + system, ms) the process has used so far, or undefined off Linux. */
export function cpuTimeMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1');
    // Fields after the command name (which may contain spaces) start at state (field 3).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * CLOCK_TICK_MS;
  } catch {
    return undefined;
  }
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

export async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt++) {
    if (child.exitCode !== null) throw new Error(`server on ${port} exited with ${child.exitCode}`);
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

/** Starts a server process on a free port (given as `--port`), pinned like its peer. */
async function startServer(name: string, pin: boolean, command: string, args: string[]): Promise<Server> {
  const port = await freePort();
  const [file, argv] = pinned(pin, SERVER_CPU, command, [...args, '--port', String(port)]);
  // taskset execs the server, so the child's pid is the server's (for its CPU time).
  const child = spawn(file, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitForPing(port, child);
  return { name, port, child };
}

function startRedis(pin: boolean): Promise<Server> {
  const args = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--enable-debug-command', 'yes'];
  return startServer('redis', pin, 'redis-server', args);
}

/**
 * `exposeGc`: the server collects garbage fully before every used_memory figure (INFO), for the
 * memory measurement only. A server measured for throughput must not: BullMQ sends INFO on every
 * connection, and each full collection (10-20 ms) would land inside the jobs/s window.
 */
function startParley(pin: boolean, exposeGc = false): Promise<Server> {
  const script = fileURLToPath(new URL('./server-process.ts', import.meta.url));
  const flags = exposeGc ? ['--expose-gc'] : [];
  return startServer('parley', pin, process.execPath, [...flags, '--import', 'tsx', script]);
}

function stop(server: Server): Promise<void> {
  return new Promise((resolve) => {
    if (server.child.exitCode !== null) return resolve();
    server.child.once('exit', () => resolve());
    server.child.kill('SIGTERM');
  });
}

async function withServer<T>(starting: Promise<Server>, use: (server: Server) => Promise<T>): Promise<T> {
  const server = await starting;
  try {
    return await use(server);
  } finally {
    await stop(server);
  }
}

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  /** Server CPU time per request in µs, when /proc is there. */
  cpu: number | undefined;
}

/** Runs one redis-benchmark test (--csv: "test","rps","avg","min","p50","p95","p99","max"). */
async function benchmark(
  server: Server,
  pin: boolean,
  test: string,
  pipeline: number,
  requests: number,
): Promise<Figures | undefined> {
  const args = ['-h', '127.0.0.1', '-p', String(server.port), '-c', '50', '-n', String(requests)];
  args.push('-P', String(pipeline), '-t', test, '--csv');
  const [file, argv] = pinned(pin, CLIENT_CPU, 'redis-benchmark', args);
  const before = cpuTimeMs(server.child.pid);
  const { stdout } = await run(file, argv, { maxBuffer: 1 << 20 });
  const after = cpuTimeMs(server.child.pid);
  const cells = (stdout.trim().split('\n')[1] ?? '').split(',').map((cell) => cell.replace(/"/g, ''));
  if (cells.length < 7) return undefined;
  const cpu = before === undefined || after === undefined ? undefined : ((after - before) * 1000) / requests;
  return { rps: Number(cells[1]), p50: Number(cells[4]), p99: Number(cells[6]), cpu };
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
  const redis = new Redis({ port: server.port, host: '127.0.0.1' });
  try {
    await redis.flushall();
    const before = await usedMemory(server.port);
    await redis.call('debug', 'populate', String(count));
    await new Promise((r) => setTimeout(r, 1500));
    const after = await usedMemory(server.port);
    await redis.flushall();
    return { used: (after.used - before.used) / count, rss: (after.rss - before.rss) / count };
  } finally {
    redis.disconnect();
  }
}

const ratioText = (ratios: number[]) => ratios.map((r) => r.toFixed(2)).join(' ');

/** The rows of one test at one pipeline depth from every round's figures of both servers. */
function rowsFor(label: string, goal: number, ours: Figures[], theirs: Figures[]): BenchRow[] {
  const ratios = ours.map((figures, i) => figures.rps / theirs[i]!.rps);
  // The pair of the round with the median ratio (each round measures both back to back, so a
  // ratio within a round is the comparison that background load disturbs least).
  const middle = ratios.indexOf([...ratios].sort((a, b) => a - b)[(ratios.length - 1) >> 1]!);
  const medianOf = (list: Figures[], pick: (f: Figures) => number | undefined) => {
    const values = list.map(pick).filter((v): v is number => v !== undefined);
    return values.length === list.length ? median(values) : undefined;
  };
  const rows: BenchRow[] = [
    {
      name: `${label} ops/s`,
      value: ours[middle]!.rps,
      unit: 'ops/s',
      better: 'higher',
      goal: { ratio: goal },
      peer: { name: 'redis', value: theirs[middle]!.rps },
      note: `(median round; ratio per round ${ratioText(ratios)})`,
    },
    {
      name: `${label} p50`,
      value: median(ours.map((f) => f.p50)),
      unit: 'ms',
      better: 'lower',
      peer: { name: 'redis', value: median(theirs.map((f) => f.p50)) },
    },
    {
      name: `${label} p99`,
      value: median(ours.map((f) => f.p99)),
      unit: 'ms',
      better: 'lower',
      peer: { name: 'redis', value: median(theirs.map((f) => f.p99)) },
    },
  ];
  const cpu = medianOf(ours, (f) => f.cpu);
  const peerCpu = medianOf(theirs, (f) => f.cpu);
  if (cpu !== undefined && peerCpu !== undefined)
    rows.push({
      name: `${label} server CPU/request`,
      value: cpu,
      unit: 'µs',
      better: 'lower',
      peer: { name: 'redis', value: peerCpu },
    });
  return rows;
}

const suite: BenchSuite = {
  name: 'cache (Parley vs redis-server, redis-benchmark -c 50)',
  async run({ quick, log }) {
    const rows: BenchRow[] = [];
    const rounds = quick ? 3 : 5;
    const plans = [
      { pipeline: 1, requests: quick ? 40_000 : 200_000, goal: 0.8 },
      { pipeline: 16, requests: quick ? 200_000 : 1_000_000, goal: 0.5 },
    ];
    const pin = await canPin();
    log(
      pin
        ? `servers pinned to CPU ${SERVER_CPU}, redis-benchmark and the BullMQ client to CPU ${CLIENT_CPU} (taskset)`
        : 'no CPU pinning (single CPU, no taskset, or PARLEY_BENCH_PIN=0)',
    );
    const parley = await startParley(pin);
    const redis = await startRedis(pin);
    try {
      // The same warm-up for both: V8 compiles Parley's hot paths before anything is measured.
      for (const server of [parley, redis])
        for (const test of TESTS) await benchmark(server, pin, test, 16, 50_000);
      const results = new Map<string, { parley: Figures[]; redis: Figures[] }>();
      for (let round = 1; round <= rounds; round++) {
        // Alternating which server goes first cancels a trend in the background load.
        const order = round % 2 === 1 ? [parley, redis] : [redis, parley];
        const ratios: string[] = [];
        for (const { pipeline, requests } of plans) {
          for (const test of TESTS) {
            const label = `${test.toUpperCase()} -P ${pipeline}`;
            const entry = results.get(label) ?? { parley: [], redis: [] };
            const figures = new Map<Server, Figures>();
            for (const server of order) {
              const measured = await benchmark(server, pin, test, pipeline, requests);
              if (measured) figures.set(server, measured);
            }
            const ours = figures.get(parley);
            const theirs = figures.get(redis);
            if (!ours || !theirs) continue;
            entry.parley.push(ours);
            entry.redis.push(theirs);
            results.set(label, entry);
            ratios.push(`${label} ${(ours.rps / theirs.rps).toFixed(2)}`);
          }
        }
        log(
          `round ${round}/${rounds} (-c 50, -n ${plans.map((p) => p.requests).join('/')}): ${ratios.join(', ')}`,
        );
      }
      for (const { pipeline, goal } of plans)
        for (const test of TESTS) {
          const label = `${test.toUpperCase()} -P ${pipeline}`;
          const entry = results.get(label);
          if (entry) rows.push(...rowsFor(label, goal, entry.parley, entry.redis));
        }
      log(`DEBUG POPULATE ${MEMORY_KEYS} on both (fresh servers)`);
      const ourMemory = await withServer(startParley(pin, true), (s) => memoryPerKey(s, MEMORY_KEYS));
      const theirMemory = await withServer(startRedis(pin), (s) => memoryPerKey(s, MEMORY_KEYS));
      rows.push({
        name: `memory per key (${MEMORY_KEYS} keys, used_memory)`,
        value: ourMemory.used,
        unit: 'bytes',
        better: 'lower',
        peer: { name: 'redis', value: theirMemory.used },
      });
      rows.push({
        name: `memory per key (${MEMORY_KEYS} keys, RSS)`,
        value: ourMemory.rss,
        unit: 'bytes',
        better: 'lower',
        peer: { name: 'redis', value: theirMemory.rss },
      });
      const scripting = () =>
        scriptingBench({ parleyPort: parley.port, redisPort: redis.port }, { quick, log });
      rows.push(...(await (pin ? pinnedSelf(CLIENT_CPU, scripting) : scripting())));
    } finally {
      await stop(parley);
      await stop(redis);
    }
    return rows;
  },
};

export default suite;
