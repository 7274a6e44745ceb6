import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface HttpLoadResult {
  requestsPerSecond: number;
  p50: number;
  /** autocannon reports no p95; p97.5 is the next percentile up, so goals on p95 are checked conservatively. */
  p97_5: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export interface HttpLoadOptions {
  url: string;
  connections?: number;
  durationSeconds?: number;
  headers?: Record<string, string>;
  method?: string;
  body?: string;
}

/**
 * HTTP load with autocannon in a child process, so the load generator does not share the event
 * loop of a server under test that runs in the benchmark's own process. Latencies in ms.
 */
export async function httpLoad(options: HttpLoadOptions): Promise<HttpLoadResult> {
  const cli = createRequire(import.meta.url).resolve('autocannon/autocannon.js');
  const args = [
    cli,
    '-j',
    '-c',
    String(options.connections ?? 50),
    '-d',
    String(options.durationSeconds ?? 5),
  ];
  if (options.method) args.push('-m', options.method);
  if (options.body) args.push('-b', options.body);
  for (const [name, value] of Object.entries(options.headers ?? {})) args.push('-H', `${name}=${value}`);
  args.push(options.url);
  const { stdout } = await run(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
  const report = JSON.parse(stdout);
  return {
    requestsPerSecond: report.requests.average,
    p50: report.latency.p50,
    p97_5: report.latency.p97_5,
    p99: report.latency.p99,
    errors: report.errors,
    non2xx: report.non2xx,
  };
}
