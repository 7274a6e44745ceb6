/**
 * An exclusive lock on a data directory, as Prometheus's `lock` file: the TSDB has a single
 * writer, so a second process opening the same directory would append to the same WAL segment
 * and cut the same blocks. The lock file holds the owner's PID (and, on Linux, its start time);
 * a lock left behind by a process that is gone (crash, kill -9) is taken over.
 *
 * Node has no flock(), so exclusivity comes from atomic file operations: the lock is created
 * complete (written to a temporary file, then hard-linked to `lock`, which fails if it exists),
 * and a stale lock is replaced only by the holder of `lock.takeover`, created the same way, after
 * checking again that the lock it replaces is the stale one it read.
 */
import {
  closeSync,
  linkSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  unlinkSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';

export const LOCK_FILE = 'lock';

export class DirLockError extends Error {
  override name = 'DirLockError';
}

interface Owner {
  pid: number;
  /** Start time of the process in clock ticks since boot (Linux), to tell a reused PID apart. */
  start?: string;
}

/** Lock files this process holds, by absolute path. */
const held = new Set<string>();
let exitHookInstalled = false;

/** Start time of a process from /proc/<pid>/stat (field 22), where there is a /proc. */
function startTime(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count fields after its last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

const self: Owner = { pid: process.pid, start: startTime(process.pid) };

function format(owner: Owner): string {
  return owner.start ? `${owner.pid} ${owner.start}\n` : `${owner.pid}\n`;
}

function parse(text: string): Owner | undefined {
  const [pid, start] = text.trim().split(/\s+/);
  const n = Number(pid);
  return Number.isInteger(n) && n > 0 ? { pid: n, start } : undefined;
}

function readOwner(path: string): { text: string; owner: Owner | undefined } | undefined {
  try {
    const text = readFileSync(path, 'utf8');
    return { text, owner: parse(text) };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** Whether the process that wrote this lock still runs. */
function alive(owner: Owner | undefined, path: string): boolean {
  if (!owner) return false; // unreadable content: no live process wrote it (it is written whole)
  // Our own PID in a lock we did not take: a previous run of ours (same PID after a restart in a container).
  if (owner.pid === process.pid) return held.has(path);
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // The PID runs (or exists under another user); if it started at another time, it is a reuse.
  const start = owner.start === undefined ? undefined : startTime(owner.pid);
  return start === undefined || start === owner.start;
}

/** Writes `content` to a unique temporary file and links it to `path`; false if `path` exists. */
function createWhole(dir: string, path: string, content: string): boolean {
  const tmp = join(dir, `${LOCK_FILE}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  const fd = openSync(tmp, 'wx', 0o644);
  try {
    writeSync(fd, content);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    unlinkSync(tmp);
  }
}

function inUse(dir: string, owner: Owner | undefined): DirLockError {
  const who = owner ? `process ${owner.pid}` : 'another process';
  return new DirLockError(
    `data directory ${dir} is in use by ${who} (lock file ${join(dir, LOCK_FILE)}): stop it or use another directory`,
  );
}

/** An exclusive lock on `dir` (created if missing) until `release()`. Throws DirLockError if taken. */
export class DirLock {
  readonly path: string;
  private released = false;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.path = resolve(dir, LOCK_FILE);
    if (held.has(this.path))
      throw new DirLockError(
        `data directory ${dir} is already open in this process (lock file ${this.path})`,
      );
    this.acquire();
    held.add(this.path);
    if (!exitHookInstalled) {
      exitHookInstalled = true;
      process.once('exit', releaseAll);
    }
  }

  private acquire(): void {
    const content = format(self);
    // A few rounds: each ends with the lock ours, or taken by a live process, or changed under us.
    for (let round = 0; round < 3; round++) {
      if (createWhole(this.dir, this.path, content)) return;
      const current = readOwner(this.path);
      if (!current) continue; // released in between: try again
      if (alive(current.owner, this.path)) throw inUse(this.dir, current.owner);
      if (this.takeOver(current.text, content)) return;
    }
    throw inUse(this.dir, readOwner(this.path)?.owner);
  }

  /** Replaces the stale lock that read as `stale`, if it still does. */
  private takeOver(stale: string, content: string): boolean {
    const guard = `${this.path}.takeover`;
    if (!createWhole(this.dir, guard, content)) {
      const other = readOwner(guard);
      // A takeover abandoned by a dead process: clear it, the next round retries.
      if (other && !alive(other.owner, guard)) unlinkIfSame(guard, other.text);
      return false;
    }
    try {
      if (readOwner(this.path)?.text !== stale) return false;
      const tmp = `${this.path}.${process.pid}.new`;
      const fd = openSync(tmp, 'w', 0o644);
      try {
        writeSync(fd, content);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, this.path); // atomic replace: never a moment without a lock file
      return true;
    } finally {
      unlinkSync(guard);
    }
  }

  /** Removes the lock file (if it is still ours). Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    held.delete(this.path);
    unlinkIfSame(this.path, format(self));
  }
}

function unlinkIfSame(path: string, text: string): void {
  try {
    if (readFileSync(path, 'utf8') === text) unlinkSync(path);
  } catch {
    // Already gone.
  }
}

/** On exit, the locks this process still holds are removed (a crash leaves them: taken over later). */
function releaseAll(): void {
  for (const path of held) unlinkIfSame(path, format(self));
  held.clear();
}
