/** Runs the real Prometheus (Debian package) as the benchmark peer, on a free loopback port. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface PrometheusPeer {
  url: string;
  dataDir: string;
  version: string;
  stop(): Promise<void>;
}

function findBinary(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, 'prometheus');
    if (existsSync(path)) return path;
  }
  return undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Starts Prometheus with the remote-write receiver; undefined (with a logged note) if not installed. */
export async function startPrometheus(log: (line: string) => void): Promise<PrometheusPeer | undefined> {
  const binary = findBinary();
  if (!binary) {
    log('prometheus binary not found (apt-get install -y prometheus); peer columns skipped');
    return undefined;
  }
  const dir = mkdtempSync(join(tmpdir(), 'parley-bench-prometheus-'));
  const config = join(dir, 'prometheus.yml');
  writeFileSync(config, 'global:\n  scrape_interval: 1h\n');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child: ChildProcess = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-remote-write-receiver',
      '--web.enable-admin-api',
      '--storage.tsdb.retention.time=3650d',
      '--log.level=error',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) {
        const info = (await (await fetch(`${url}/api/v1/status/buildinfo`)).json()) as {
          data: { version: string };
        };
        return { url, dataDir: join(dir, 'data'), version: info.data.version, stop };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`prometheus did not become ready: ${stderr.slice(0, 500)}`);
  await stop();
  return undefined;
}
