/**
 * Breach drill for docs/runbooks/jwt-key-compromise.md: two `parley start` processes on one
 * PostgreSQL database and one Redis, live access tokens issued by both, then
 * `parley iam rotate-keys --revoke-old`. Measures the time from launching the command to the last
 * old token being rejected by both processes, and checks that every old token is rejected.
 *
 *   npm run build && DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
 *     REDIS_URL=redis://127.0.0.1:6379 npx tsx packages/iam/bench/key-compromise.ts
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import pg from 'pg';

const CLI = new URL('../../../apps/server/dist/cli.js', import.meta.url).pathname;
const adminUrl = process.env.DATABASE_URL;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
if (!adminUrl)
  throw new Error('set DATABASE_URL (a PostgreSQL server; a scratch database is created and dropped)');
const TOKENS = Number(process.env.TOKENS ?? 400);
const PASSWORD = 'drill-password-2026';

const name = `parley_drill_${randomBytes(5).toString('hex')}`;
const admin = new pg.Client({ connectionString: adminUrl });
await admin.connect();
await admin.query(`CREATE DATABASE ${name}`);
const url = new URL(adminUrl);
url.pathname = `/${name}`;
const env = {
  ...process.env,
  NODE_ENV: 'test',
  DATABASE_URL: url.toString(),
  REDIS_URL: redisUrl,
  PARLEY_REDIS_PREFIX: `${name}:`,
  PARLEY_MASTER_KEY: randomBytes(32).toString('base64'),
  PARLEY_DEMO_PASSWORD: PASSWORD,
  PARLEY_RATE_LIMIT_USER: '1000000',
  PARLEY_RATE_LIMIT_ANONYMOUS: '1000000',
  PARLEY_RATE_LIMIT_AUTH: '1000000',
  PORT: '0',
  LOG_LEVEL: 'info',
};
const servers: ChildProcess[] = [];

async function start(): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'start'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  servers.push(child);
  for await (const line of createInterface({ input: child.stdout! })) {
    const entry = JSON.parse(line) as { msg: string; url?: string };
    if (entry.msg === 'parley is ready' && entry.url) return entry.url;
  }
  throw new Error('server exited before it was ready');
}

const status = async (base: string, token: string) =>
  (
    await fetch(`${base}/v1/authz/check`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: '{"permission":"sales:query"}',
    })
  ).status;

try {
  await promisify(execFile)(process.execPath, [CLI, 'seed', '--demo'], { env });
  const bases = [await start(), await start()];
  const tokens: string[] = [];
  for (let i = 0; i < TOKENS; i++) {
    const res = await fetch(`${bases[i % 2]}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        tenant: i % 3 ? 'acme' : 'globex',
        email: `${['admin', 'analyst', 'guest'][i % 3]}@${i % 3 ? 'acme' : 'globex'}.test`,
        password: PASSWORD,
      }),
    });
    tokens.push(((await res.json()) as { accessToken: string }).accessToken);
  }
  for (const base of bases)
    if ((await status(base, tokens[0]!)) !== 200) throw new Error('tokens do not work before');
  process.stderr.write(`${TOKENS} live tokens on 2 processes; rotating with --revoke-old\n`);

  const t0 = performance.now();
  const rotation = promisify(execFile)(process.execPath, [CLI, 'iam', 'rotate-keys', '--revoke-old'], {
    env,
  });
  const rejectedAt: number[] = [];
  await Promise.all(
    bases.map(async (base, i) => {
      while ((await status(base, tokens[i]!)) !== 401) await new Promise((r) => setTimeout(r, 2));
      rejectedAt[i] = performance.now() - t0;
    }),
  );
  const { stdout } = await rotation;
  const commandMs = performance.now() - t0;
  let accepted = 0;
  for (const [i, token] of tokens.entries()) if ((await status(bases[i % 2]!, token)) !== 401) accepted++;
  process.stdout.write(
    `${stdout.trim()}\nold tokens rejected by process A after ${rejectedAt[0]!.toFixed(0)} ms, ` +
      `by process B after ${rejectedAt[1]!.toFixed(0)} ms (from launching the command; the command itself ` +
      `took ${commandMs.toFixed(0)} ms including Node start-up)\nold tokens still accepted afterwards: ${accepted} of ${TOKENS}\n`,
  );
} finally {
  for (const server of servers) {
    server.kill('SIGTERM');
    await once(server, 'exit');
  }
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.end();
}
