import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import type { LoadTarget, RoundResult, RoundsPlan } from './load-rounds.js';

const run = promisify(execFile);

export interface RouteFigures {
  requestsPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface Comparison {
  rounds: RoundResult[];
  /** Median over rounds of each figure, per target name. */
  medians: Record<string, RouteFigures>;
  /** Median over rounds of the per-round ratio `target / baseline` (pairs measured back to back). */
  ratios: Record<string, RouteFigures>;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const FIGURES = ['requestsPerSecond', 'p50', 'p95', 'p99'] as const;

/**
 * Serves several Fastify apps from ONE HTTP server (same process, port and event loop), routed by
 * path prefix, so the compared routes differ only in what their app does per request. The load
 * runs in a child process in alternating rounds; figures are medians over rounds.
 */
export async function compareRoutes(options: {
  apps: { prefix: string; app: FastifyInstance }[];
  targets: (origin: string) => LoadTarget[];
  baseline: string;
  plan: Omit<RoundsPlan, 'targets'>;
}): Promise<Comparison> {
  for (const { app } of options.apps) await app.ready();
  const server = createServer((req, res) => {
    const entry = options.apps.find(({ prefix }) => req.url?.startsWith(prefix)) ?? options.apps[0]!;
    entry.app.routing(req, res);
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as AddressInfo;
    const plan: RoundsPlan = { ...options.plan, targets: options.targets(`http://127.0.0.1:${port}`) };
    const script = new URL('./load-rounds.ts', import.meta.url).pathname;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, JSON.stringify(plan)], {
      maxBuffer: 16 * 1024 * 1024,
    });
    const rounds = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as RoundResult);
    const medians: Record<string, RouteFigures> = {};
    const ratios: Record<string, RouteFigures> = {};
    for (const { name } of plan.targets) {
      const mine = rounds.filter((r) => r.target === name);
      const base = rounds.filter((r) => r.target === options.baseline);
      const figures = {} as RouteFigures;
      const ratio = {} as RouteFigures;
      for (const figure of FIGURES) {
        figures[figure] = median(mine.map((r) => r[figure]));
        ratio[figure] = median(mine.map((r, i) => r[figure] / base[i]![figure]));
      }
      medians[name] = figures;
      ratios[name] = ratio;
    }
    return { rounds, medians, ratios };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}
