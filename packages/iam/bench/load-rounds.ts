/**
 * The load generator of the HTTP comparison, run in a child process (`node --import tsx`) so it
 * does not share the server's event loop. It runs the targets in alternating rounds with the same
 * number of connections, records every response's latency (autocannon's own summary has no p95)
 * and prints one JSON line per round.
 *
 *   node --import tsx load-rounds.ts '<RoundsPlan JSON>'
 */
import { createRequire } from 'node:module';
import { percentile } from '@parley/kit/bench';

export interface LoadTarget {
  name: string;
  url: string;
  headers?: Record<string, string>;
}

export interface RoundsPlan {
  targets: LoadTarget[];
  rounds: number;
  connections: number;
  durationSeconds: number;
  /** Unmeasured load before the first round: JIT, connection pools, caches. */
  warmupSeconds: number;
}

export interface RoundResult {
  target: string;
  round: number;
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  non2xx: number;
  errors: number;
}

interface AutocannonInstance {
  on(event: 'response', listener: (client: unknown, status: number, bytes: number, ms: number) => void): void;
}
type Autocannon = (
  options: { url: string; connections: number; duration: number; headers?: Record<string, string> },
  done: (error: Error | null, result: { errors: number; non2xx: number }) => void,
) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

async function load(target: LoadTarget, plan: RoundsPlan, seconds: number) {
  const latencies: number[] = [];
  let non2xx = 0;
  const started = performance.now();
  const summary = await new Promise<{ errors: number }>((resolve, reject) => {
    const instance = autocannon(
      { url: target.url, connections: plan.connections, duration: seconds, headers: target.headers },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
    instance.on('response', (_client, status, _bytes, ms) => {
      latencies.push(ms);
      if (status < 200 || status > 299) non2xx++;
    });
  });
  const elapsed = (performance.now() - started) / 1000;
  const sorted = Float64Array.from(latencies).sort();
  return {
    requestsPerSecond: latencies.length / elapsed,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    non2xx,
    errors: summary.errors,
  };
}

const plan = JSON.parse(process.argv[2] ?? '{}') as RoundsPlan;
for (const target of plan.targets) await load(target, plan, plan.warmupSeconds);
for (let round = 1; round <= plan.rounds; round++) {
  // Alternate the order too, so neither target always runs right after the other's load.
  const order = round % 2 === 1 ? plan.targets : [...plan.targets].reverse();
  for (const target of order) {
    const result: RoundResult = {
      target: target.name,
      round,
      ...(await load(target, plan, plan.durationSeconds)),
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  }
}
