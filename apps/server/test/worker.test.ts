import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { builtInAnalyst, NarrationTasks } from '@parley/assistant';
import { createScratchDatabase } from '@parley/db/testing';
import { createLogger, newId } from '@parley/kit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropScratch } from './scratch.js';

// The built CLI (npm test builds first through `pretest`), as an operator runs it.
const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('parley worker', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
  });

  it('refuses an unknown queue with a clear line', async () => {
    const proc = spawn(process.execPath, [CLI, 'worker', '--queues', 'llm,emails'], {
      env: { ...process.env, NODE_ENV: 'test', REDIS_URL },
    });
    let stderr = '';
    proc.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    const [code] = await once(proc, 'exit');
    expect(code).toBe(2);
    expect(stderr).toContain('parley: unknown queue emails; known: llm');
  });

  it('narrates the tasks an API process queued, then stops on SIGTERM', async () => {
    const prefix = `test:${newId()}:`;
    child = spawn(process.execPath, [CLI, 'worker', '--queues', 'llm'], {
      env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', REDIS_URL, PARLEY_REDIS_PREFIX: prefix },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    for await (const line of createInterface({ input: child.stdout! }))
      if ((JSON.parse(line) as { msg: string }).msg === 'parley worker is running') break;

    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    // An API process: it queues, it runs no worker.
    const api = await NarrationTasks.open({
      redis,
      prefix,
      narrator: builtInAnalyst,
      logger: createLogger({ level: 'silent' }),
      concurrency: 0,
      maxWaiting: 10,
      attempts: 1,
      jobTimeoutMs: 10_000,
    });
    try {
      const result = {
        metric: 'revenue' as const,
        range: { start: '2025-01-01', end: '2025-04-01' },
        grain: 'quarter' as const,
        total: 1234,
      };
      const submission = await api.submit({
        tenantId: 't',
        subject: 'u',
        request: { question: 'q', result },
      });
      const id = (submission as { id: string }).id;
      const seen = [];
      for await (const event of api.watch('t', 'u', id, AbortSignal.timeout(20_000))) seen.push(event.type);
      expect(seen.at(-1)).toBe('completed');
      expect(await api.get('t', 'u', id)).toMatchObject({
        state: 'completed',
        result: { provider: 'builtin' },
      });
    } finally {
      await api.close();
      redis.disconnect();
    }
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });
});

/**
 * `parley worker --queues reports` beside a `parley start` that runs no report worker: the server
 * queues, the worker generates and attaches, the server serves the files. They share PostgreSQL
 * (DATABASE_URL: PGlite cannot be shared by processes), Redis and the attachments directory.
 */
describe.skipIf(!process.env.DATABASE_URL)('parley worker --queues reports', () => {
  const adminUrl = process.env.DATABASE_URL!;
  const name = `parley_worker_${randomBytes(5).toString('hex')}`;
  const children: ChildProcess[] = [];
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-worker-'));
  let env: NodeJS.ProcessEnv;
  let base = '';

  /** Starts a CLI command and resolves when it logs `message`, with that log line. */
  async function run(
    args: string[],
    message: string,
    overrides: NodeJS.ProcessEnv = {},
  ): Promise<Record<string, unknown>> {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { ...env, ...overrides },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    for await (const line of createInterface({ input: child.stdout! })) {
      const entry = JSON.parse(line) as { msg: string };
      if (entry.msg === message) return entry;
    }
    throw new Error(`parley ${args.join(' ')} ended before logging "${message}"`);
  }

  beforeAll(async () => {
    env = {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: await createScratchDatabase(adminUrl, name),
      REDIS_URL,
      PARLEY_REDIS_PREFIX: `${name}:`,
      PARLEY_DATA_DIR: dataDir,
      PARLEY_MASTER_KEY: randomBytes(32).toString('base64'),
      PARLEY_DEMO_PASSWORD: 'worker-reports-password-1',
      PORT: '0',
      LOG_LEVEL: 'info',
    };
    const exec = promisify(execFile);
    await exec(process.execPath, [CLI, 'seed', '--demo'], { env });
    await exec(process.execPath, [CLI, 'seed', '--sales', '--rows', '3000', '--tenant', 'acme'], { env });
    // The server queues reports but runs none: the worker does.
    base = (await run(['start'], 'parley is ready', { PARLEY_REPORTS_CONCURRENCY: '0' })).url as string;
    await run(['worker', '--queues', 'reports'], 'parley worker is running');
  }, 90_000);

  afterAll(async () => {
    for (const child of children.reverse())
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    rmSync(dataDir, { recursive: true, force: true });
    await dropScratch({ adminUrl, name, redisUrl: REDIS_URL, prefix: `${name}:` });
  });

  it('generates the report the server queued; the server serves its files', async () => {
    const login = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        tenant: 'acme',
        email: 'analyst@acme.test',
        password: 'worker-reports-password-1',
      }),
    });
    const headers = {
      authorization: `Bearer ${((await login.json()) as { accessToken: string }).accessToken}`,
    };
    const created = await fetch(`${base}/v1/conversations`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'generate a report of monthly revenue for the last 12 months' }),
    });
    expect(created.status).toBe(202);
    const taskId = ((await created.json()) as { exchange: { task: { id: string } } }).exchange.task.id;
    const events = await (await fetch(`${base}/v1/tasks/${taskId}/events`, { headers })).text();
    const last = events.trimEnd().split('\n\n').at(-1)!;
    expect(last).toMatch(/^event: completed\n/);
    const { files } = JSON.parse(last.split('\n')[1]!.slice('data: '.length)).result as {
      files: { href: string; sha256: string }[];
    };
    expect(files).toHaveLength(2);
    for (const file of files) {
      const download = await fetch(`${base}${file.href}`, { headers });
      expect(download.status).toBe(200);
      const bytes = Buffer.from(await download.arrayBuffer());
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(file.sha256);
    }
  });
});
