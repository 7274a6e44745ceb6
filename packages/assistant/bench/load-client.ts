/**
 * The load generator of the fast-path benchmark, run as a child process so it does not share the
 * server's event loop. Plan (JSON, argv[2]): POSTs `bodies` to `url` from `concurrency` loops,
 * either each body once (`once`) or round-robin for `durationMs`. Prints latency figures as JSON.
 */
interface Plan {
  url: string;
  headers: Record<string, string>;
  bodies: string[];
  concurrency: number;
  once?: boolean;
  durationMs?: number;
}

const plan = JSON.parse(process.argv[2]!) as Plan;
const latencies: number[] = [];
let errors = 0;
let next = 0;
const started = performance.now();
const deadline = started + (plan.durationMs ?? 0);

async function loop(): Promise<void> {
  for (;;) {
    if (plan.once ? next >= plan.bodies.length : performance.now() >= deadline) return;
    const body = plan.bodies[next++ % plan.bodies.length]!;
    const t0 = performance.now();
    const response = await fetch(plan.url, { method: 'POST', headers: plan.headers, body });
    await response.arrayBuffer();
    latencies.push(performance.now() - t0);
    if (response.status !== 200) errors++;
  }
}

await Promise.all(Array.from({ length: plan.concurrency }, loop));
const elapsed = (performance.now() - started) / 1000;
latencies.sort((a, b) => a - b);
const at = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))] ?? 0;
process.stdout.write(
  JSON.stringify({
    count: latencies.length,
    errors,
    rps: latencies.length / elapsed,
    p50: at(0.5),
    p95: at(0.95),
    p99: at(0.99),
  }),
);
