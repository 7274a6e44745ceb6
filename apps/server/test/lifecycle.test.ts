import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestApp } from './helpers.js';

// The built CLI (npm test builds first through `pretest`), exercised as an operator runs it.
const CLI = new URL('../dist/cli.js', import.meta.url).pathname;

function runCli(args: string[], extraEnv: Record<string, string>): ChildProcess {
  const env: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    ...extraEnv,
  };
  return spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Resolves with the server URL from the "parley is ready" log line, and the messages logged before it. */
async function readyUrl(child: ChildProcess, logged: string[] = []): Promise<string> {
  for await (const line of createInterface({ input: child.stdout! })) {
    const entry = JSON.parse(line) as { msg: string; url?: string };
    logged.push(entry.msg);
    if (entry.msg === 'parley is ready' && entry.url) return entry.url;
  }
  throw new Error('server exited before it was ready');
}

describe('the parley process', () => {
  let dataDir: string | undefined;
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('stops with one clear line per bad configuration value', async () => {
    child = runCli(['start'], { PORT: 'eighty', LOG_LEVEL: 'loud' });
    let stderr = '';
    child.stderr!.on('data', (chunk) => {
      stderr += chunk;
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      'parley: invalid configuration: PORT="eighty" is not valid: expected a port number from 0 to 65535',
      'parley: invalid configuration: LOG_LEVEL="loud" is not valid: expected one of fatal, error, warn, info, debug, trace, silent',
    ]);
  });

  it('starts on embedded PGlite and the embedded cache, persists across restarts, and exits cleanly on SIGTERM', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'parley-'));
    for (let run = 0; run < 2; run++) {
      child = runCli(['start'], { PORT: '0', PARLEY_DATA_DIR: dataDir, DATABASE_URL: '', REDIS_URL: '' });
      const logged: string[] = [];
      const url = await readyUrl(child, logged);
      expect(logged).toContain('using the embedded Parley cache server (REDIS_URL not set)');
      const res = await fetch(`${url}/health/ready`);
      expect(res.status).toBe(200);
      expect(existsSync(join(dataDir, 'cache', 'appendonly.aof'))).toBe(true);
      // Where operator commands find the running server's cache; private to the owner.
      expect(statSync(join(dataDir, 'cache', 'endpoint')).mode & 0o777).toBe(0o600);
      child.kill('SIGTERM');
      const [code] = await once(child, 'exit');
      expect(code).toBe(0);
      expect(existsSync(join(dataDir, 'cache', 'endpoint'))).toBe(false);
    }
  }, 150_000); // two cold starts of PGlite with every migration and every module, on a shared machine
});

describe('graceful shutdown', () => {
  it('drains an in-flight request, then refuses new connections', async () => {
    let release: () => void = () => {};
    const t = await createTestApp([
      async (app) => {
        app.get('/v1/slow', { config: { public: true } }, async () => {
          await new Promise<void>((resolve) => {
            release = resolve;
          });
          return { done: true };
        });
      },
    ]);
    const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const inFlight = fetch(`${address}/v1/slow`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = t.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    const res = await inFlight;
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ done: true });
    await closing;
    await expect(fetch(`${address}/health/live`)).rejects.toThrow();
  });
});
