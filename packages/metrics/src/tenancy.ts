/**
 * Tenancy: every tenant has its own database (own head, index, WAL and blocks, in its own
 * directory), so a query can only ever reach the series of the tenant it runs for.
 */
import { join } from 'node:path';
import { Tsdb, type TsdbOptions } from './tsdb.js';

const TENANT_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

export class TenantError extends Error {
  override name = 'TenantError';
}

export class Storage {
  private readonly tenants = new Map<string, Tsdb>();

  /** `options.dir` is the root; each tenant lives in `<dir>/<tenant>`. */
  constructor(private readonly options: TsdbOptions = {}) {}

  tenant(id: string): Tsdb {
    let db = this.tenants.get(id);
    if (db) return db;
    if (!TENANT_RE.test(id)) throw new TenantError(`invalid tenant id ${JSON.stringify(id)}`);
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
  }
}
