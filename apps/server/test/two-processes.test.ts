import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { createScratchDatabase } from '@parley/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dropScratch } from './scratch.js';

const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const adminUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PASSWORD = 'two-process-password-1';

/**
 * Two `parley start` processes on one PostgreSQL database and one Redis, as deployed behind a
 * load balancer. Needs a PostgreSQL server (DATABASE_URL): PGlite cannot be shared by processes.
 */
describe.skipIf(!adminUrl)('two server processes sharing PostgreSQL and Redis', () => {
  const name = `parley_two_${randomBytes(5).toString('hex')}`;
  const prefix = `${name}:`;
  const servers: ChildProcess[] = [];
  const bases: string[] = [];
  const dataDirs: string[] = [];
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    env = {
      ...process.env,
      NODE_ENV: 'test',
      DATABASE_URL: await createScratchDatabase(adminUrl!, name),
      REDIS_URL: redisUrl,
      PARLEY_REDIS_PREFIX: prefix,
      PARLEY_MASTER_KEY: randomBytes(32).toString('base64'),
      PARLEY_DEMO_PASSWORD: PASSWORD,
      PORT: '0',
      LOG_LEVEL: 'info',
    };
    await promisify(execFile)(process.execPath, [CLI, 'seed', '--demo'], { env });
    for (let i = 0; i < 2; i++) {
      // Each process has its own data directory, as two hosts would: module files are per process.
      const dataDir = mkdtempSync(join(tmpdir(), 'parley-two-'));
      dataDirs.push(dataDir);
      const child = spawn(process.execPath, [CLI, 'start'], {
        env: { ...env, PARLEY_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      servers.push(child);
      for await (const line of createInterface({ input: child.stdout! })) {
        const entry = JSON.parse(line) as { msg: string; url?: string };
        if (entry.msg === 'parley is ready' && entry.url) {
          bases.push(entry.url);
          break;
        }
      }
    }
  }, 60_000);

  afterAll(async () => {
    for (const child of servers) {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    }
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
    await dropScratch({ adminUrl: adminUrl!, name, redisUrl, prefix });
  });

  it('100 requests per minute per user hold across both processes', async () => {
    const login = await fetch(`${bases[0]}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'acme', email: 'analyst@acme.test', password: PASSWORD }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const statuses: number[] = [];
    for (let i = 0; i < 120; i++) {
      const res = await fetch(`${bases[i % 2]}/v1/authz/check`, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: '{"permission":"sales:query"}',
      });
      statuses.push(res.status);
      if (i === 119) expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses.filter((s) => s === 200)).toHaveLength(100);
    expect(statuses.slice(100).every((s) => s === 429)).toBe(true);
  });

  it('concurrent requests to both processes leave one verifiable audit chain per tenant', async () => {
    const login = await fetch(`${bases[1]}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'acme', email: 'admin@acme.test', password: PASSWORD }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const statuses = await Promise.all(
      Array.from({ length: 80 }, (_, i) =>
        fetch(`${bases[i % 2]}/v1/users`, { headers: { authorization: `Bearer ${accessToken}` } }).then(
          (res) => res.status,
        ),
      ),
    );
    expect(statuses.every((s) => s === 200)).toBe(true);
    const { stdout } = await promisify(execFile)(process.execPath, [CLI, 'audit', 'verify'], { env });
    expect(stdout).not.toMatch(/BROKEN/);
    expect(stdout).toMatch(/^ok/m);
  });
});
