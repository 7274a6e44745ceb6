import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DirLock, DirLockError } from '../src/lock.js';
import { Storage, TenantError } from '../src/tenancy.js';
import { Tsdb } from '../src/tsdb.js';

const holder = fileURLToPath(new URL('./fixtures/lock-holder.ts', import.meta.url));
const nodeArgs = ['--import', 'tsx', holder];

/** A child process holding the lock on `dir`, with its PID once it reported the lock taken. */
async function startHolder(dir: string): Promise<{ child: ChildProcess; pid: number }> {
  const child = spawn(process.execPath, [...nodeArgs, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('\n')) resolve(out.trim());
    });
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}: ${out}`)));
  });
  expect(line).toMatch(/^locked \d+$/);
  return { child, pid: Number(line.split(' ')[1]) };
}

function exited(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });
}

/** The PID of a process that has exited (and so no longer holds anything). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
  return Number(child.stdout.toString());
}

function lockOwner(dir: string): number {
  return Number(readFileSync(join(dir, 'lock'), 'utf8').trim().split(/\s+/)[0]);
}

// Child processes start through tsx: slow on a loaded machine.
describe('data directory lock', { timeout: 60_000 }, () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'parley-metrics-lock-'));
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited(child);
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a second Storage on the same directory in this process until the first closes', () => {
    const storage = new Storage({ dir });
    expect(lockOwner(dir)).toBe(process.pid);
    expect(() => new Storage({ dir })).toThrow(DirLockError);
    expect(() => new Storage({ dir })).toThrow(/already open in this process/);
    storage.close();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
    const again = new Storage({ dir });
    again.close();
  });

  it('refuses a second process, with the holder PID in the error; takes the lock once the holder is killed', async () => {
    const { child, pid } = await startHolder(dir);
    children.push(child);
    expect(lockOwner(dir)).toBe(pid);
    expect(() => new Storage({ dir })).toThrow(new RegExp(`in use by process ${pid}`));
    // Its tenant directory is locked too: opening the database directly fails the same way.
    expect(() => Tsdb.open({ dir: join(dir, 'acme') })).toThrow(DirLockError);

    // kill -9 leaves the lock file behind: a stale lock, taken over by the next open.
    child.kill('SIGKILL');
    await exited(child);
    expect(lockOwner(dir)).toBe(pid);
    const storage = new Storage({ dir });
    expect(lockOwner(dir)).toBe(process.pid);
    const db = storage.tenant('acme');
    const app = db.appender();
    app.append(app.ref([{ name: '__name__', value: 'up' }]), 1000, 1);
    app.commit();
    storage.close();
  });

  it('a child process is refused while this process holds the directory, and released on close', async () => {
    const storage = new Storage({ dir });
    const refused = spawnSync(process.execPath, [...nodeArgs, dir], { input: '' });
    expect(refused.status).toBe(3);
    expect(refused.stdout.toString()).toMatch(
      new RegExp(`^refused DirLockError: data directory .* is in use by process ${process.pid}`),
    );
    storage.close();
    const { child } = await startHolder(dir);
    children.push(child);
    child.stdin!.end(); // the holder closes its storage and exits: the lock file is gone
    await exited(child);
    expect(child.exitCode).toBe(0);
    expect(existsSync(join(dir, 'lock'))).toBe(false);
  });

  it('takes over a lock of a dead PID, of its own PID left by a previous run, or with garbage in it', () => {
    for (const content of [`${deadPid()}\n`, `${process.pid}\n`, 'not a pid\n', '']) {
      writeFileSync(join(dir, 'lock'), content);
      const lock = new DirLock(dir);
      expect(lockOwner(dir)).toBe(process.pid);
      lock.release();
      expect(existsSync(join(dir, 'lock'))).toBe(false);
    }
  });

  it.skipIf(!existsSync('/proc/self/stat'))(
    'takes over a lock whose PID now belongs to another process',
    async () => {
      const { child, pid } = await startHolder(join(dir, 'other'));
      children.push(child);
      // The PID is alive, but the start time recorded with it is not its own: the PID was reused.
      writeFileSync(join(dir, 'lock'), `${pid} 1\n`);
      const lock = new DirLock(dir);
      expect(lockOwner(dir)).toBe(process.pid);
      lock.release();
      // With its real start time, the same PID holds the lock.
      writeFileSync(join(dir, 'lock'), readFileSync(join(dir, 'other', 'lock')));
      expect(() => new DirLock(dir)).toThrow(new RegExp(`in use by process ${pid}`));
    },
  );

  it('leaves no temporary files behind and keeps tenants off the lock file names', () => {
    const storage = new Storage({ dir });
    for (const id of ['lock', 'lock.takeover']) expect(() => storage.tenant(id)).toThrow(TenantError);
    storage.tenant('acme');
    storage.close();
    expect(existsSync(join(dir, 'lock'))).toBe(false);
    expect(existsSync(join(dir, 'acme', 'lock'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['acme']);
    expect(readdirSync(join(dir, 'acme')).sort()).toEqual(['blocks', 'rollup-1h', 'rollup-5m', 'wal']);
  });
});
