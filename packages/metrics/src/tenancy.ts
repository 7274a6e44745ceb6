/**
 * Tenancy: every tenant has its own database (own head, index, WAL and blocks, in its own
 * directory), so a query can only ever reach the series of the tenant it runs for.
 */
import { join } from 'node:path';
import { DirLock, LOCK_FILE } from './lock.js';
import { Tsdb, type TsdbOptions } from './tsdb.js';

const TENANT_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export class TenantError extends Error {
  override name = 'TenantError';
}

export class Storage {
  private readonly tenants = new Map<string, Tsdb>();
  private readonly lock: DirLock | undefined;

  /**
   * `options.dir` is the root; each tenant lives in `<dir>/<tenant>`. The root is locked until
   * `close()`: a second Storage on it, in this process or another, fails with DirLockError.
   */
  constructor(private readonly options: TsdbOptions = {}) {
    if (options.dir) this.lock = new DirLock(options.dir);
  }

  tenant(id: string): Tsdb {
    let db = this.tenants.get(id);
    if (db) return db;
    // The root's lock file and its temporary files are named `lock` and `lock.*`: no tenant may be.
    if (!TENANT_RE.test(id) || id === LOCK_FILE || id.startsWith(`${LOCK_FILE}.`))
      throw new TenantError(`invalid tenant id ${JSON.stringify(id)}`);
    db = Tsdb.open({ ...this.options, dir: this.options.dir ? join(this.options.dir, id) : undefined });
    this.tenants.set(id, db);
    return db;
  }

  /**
   * Runs `maintain` (block cuts, compaction, retention) for every tenant every `intervalMs`.
   * Returns a function that stops it.
   */
  startMaintenance(intervalMs = 60_000, now: () => number = Date.now): () => void {
    const timer = setInterval(() => {
      for (const db of this.tenants.values()) db.maintain(now());
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  tenantIds(): string[] {
    return [...this.tenants.keys()];
  }

  close(): void {
    for (const db of this.tenants.values()) db.close();
    this.tenants.clear();
    this.lock?.release();
  }
}
