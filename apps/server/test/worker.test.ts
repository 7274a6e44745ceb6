import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { builtInAnalyst, NarrationTasks } from '@parley/assistant';
import { createLogger, newId } from '@parley/kit';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';

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
