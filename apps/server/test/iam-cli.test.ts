import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openDatabase, queryRows } from '@parley/db';
import { sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';

// The built CLI (npm test builds first through `pretest`), run as an operator runs it, on PGlite.
const CLI = new URL('../dist/cli.js', import.meta.url).pathname;
const PASSWORD = 'cli-demo-password-123';

describe('parley identity and audit commands', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-iam-'));
  const env = (extra: Record<string, string> = {}) => ({
    ...process.env,
    DATABASE_URL: '',
    REDIS_URL: '',
    PARLEY_DATA_DIR: dataDir,
    LOG_LEVEL: 'info',
    ...extra,
  });
  let child: ChildProcess | undefined;
  afterAll(() => {
    if (child && child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function run(args: string[], extra: Record<string, string> = {}) {
    const proc = spawn(process.execPath, [CLI, ...args], { env: env({ NODE_ENV: 'test', ...extra }) });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (c) => {
      stdout += c;
    });
    proc.stderr.on('data', (c) => {
      stderr += c;
    });
    const [code] = await once(proc, 'exit');
    return { code: code as number, stdout, stderr };
  }

  it('`parley start` in development seeds the demo tenants once and signs in', async () => {
    child = spawn(process.execPath, [CLI, 'start'], {
      env: env({ NODE_ENV: 'development', PORT: '0', PARLEY_DEMO_PASSWORD: PASSWORD }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let url = '';
    for await (const line of createInterface({ input: child.stdout! })) {
      const entry = JSON.parse(line) as { msg: string; url?: string };
      if (entry.msg === 'parley is ready' && entry.url) {
        url = entry.url;
        break;
      }
    }
    expect(statSync(join(dataDir, 'master.key')).mode & 0o777).toBe(0o600);
    const res = await fetch(`${url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenant: 'globex', email: 'analyst@globex.test', password: PASSWORD }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('ratelimit-limit')).toBe('10');
    child.kill('SIGTERM');
    await once(child, 'exit');
  }, 60_000); // a cold PGlite start with every migration and six argon2id hashes

  it('seed is idempotent; users and roles are listed; audit verify passes', async () => {
    const seed = await run(['seed', '--demo']);
    expect(seed.stdout).toContain('demo tenants exist already');
    const users = await run(['users', 'list', '--tenant', 'acme']);
    expect(users.stdout).toMatch(/admin@acme\.test\s+active\s+admin/);
    const roles = await run(['roles', 'list', '--tenant', 'acme']);
    expect(roles.stdout).toContain(
      'guest (built-in): conversations:read, conversations:write, sales:query, suggest:read',
    );
    const verify = await run(['audit', 'verify']);
    expect(verify.code, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^ok\s+/m);
    expect(verify.stdout).not.toContain('BROKEN');
  }, 120_000); // four CLI processes, each opening PGlite cold

  it('audit verify names the first tampered record and exits non-zero', async () => {
    const database = openDatabase({ dataDir: join(dataDir, 'pg') });
    const [target] = await queryRows<{ id: string; seq: number }>(
      database.db,
      sql`SELECT id, seq FROM audit_events WHERE kind = 'event' ORDER BY tenant_id, seq LIMIT 1 OFFSET 1`,
    );
    await database.db.execute(sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`);
    await database.db.execute(sql`UPDATE audit_events SET actor = 'someone-else' WHERE id = ${target!.id}`);
    await database.db.execute(sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only`);
    await database.close();
    const verify = await run(['audit', 'verify']);
    expect(verify.code).toBe(3);
    expect(verify.stdout).toContain(`BROKEN`);
    expect(verify.stdout).toContain(`record ${target!.id} (seq ${target!.seq}): contents do not match`);
  });

  it('`parley start` in production seeds nothing', async () => {
    const prodDir = mkdtempSync(join(tmpdir(), 'parley-prod-'));
    const prod = spawn(process.execPath, [CLI, 'start'], {
      env: env({
        NODE_ENV: 'production',
        PORT: '0',
        PARLEY_DATA_DIR: prodDir,
        PARLEY_MASTER_KEY: randomBytes(32).toString('base64'),
        PARLEY_DEMO_PASSWORD: PASSWORD,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      let url = '';
      for await (const line of createInterface({ input: prod.stdout! })) {
        const entry = JSON.parse(line) as { msg: string; url?: string };
        if (entry.msg === 'parley is ready' && entry.url) {
          url = entry.url;
          break;
        }
      }
      const res = await fetch(`${url}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ tenant: 'acme', email: 'admin@acme.test', password: PASSWORD }),
      });
      expect(res.status).toBe(401);
    } finally {
      prod.kill('SIGTERM');
      await once(prod, 'exit');
      rmSync(prodDir, { recursive: true, force: true });
    }
  }, 60_000);

  it('refuses to run in production without a master key', async () => {
    const res = await run(['users', 'list', '--tenant', 'acme'], { NODE_ENV: 'production' });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('PARLEY_MASTER_KEY is required');
  });
});
