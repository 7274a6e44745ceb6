import { type Db, queryRows, withTenant } from '@parley/db';
import { type Clock, newId } from '@parley/kit';
import { sql } from 'drizzle-orm';
import { type ChainedFields, GENESIS_HASH, recordHash } from './chain.js';

/** The chain of requests and events that belong to no tenant (anonymous calls, unknown tenants). */
export const PLATFORM_TENANT = '00000000-0000-0000-0000-000000000000';

export interface AuditEntry {
  /** Omitted: the platform chain. */
  tenantId?: string;
  kind: 'request' | 'event';
  /** `user:<id>`, `apikey:<id>`, `anonymous`, `system`. */
  actor: string;
  action: string;
  resource?: string;
  decision: 'allow' | 'deny';
  status?: number;
  route?: string;
  ip?: string;
  userAgent?: string;
  requestId?: string;
  latencyMs?: number;
  /** Never secrets: callers pass identifiers and reasons only. */
  details?: Record<string, unknown>;
}

interface ChainHead {
  /** -1: unknown (ask the database). */
  seq: number;
  hash: string;
}

interface Pending {
  entry: AuditEntry;
  time: Date;
  resolve(): void;
  reject(error: unknown): void;
}

/**
 * The append-only audit log. `append` resolves once the record is committed. Records of one
 * tenant are group-committed: while one transaction is writing, new records queue and go in the
 * next one together, so throughput does not drop to one commit per request. Across processes an
 * advisory lock on the tenant (inside parley_audit_append) serialises the chain: each record's
 * prev_hash is the previous one's.
 */
export class AuditLog {
  private readonly queues = new Map<string, Pending[]>();
  private readonly flushing = new Set<string>();
  /** The last record this process committed per chain: the usual head of the next batch. */
  private readonly heads = new Map<string, ChainHead>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  append(entry: AuditEntry): Promise<void> {
    const tenantId = entry.tenantId ?? PLATFORM_TENANT;
    return new Promise<void>((resolve, reject) => {
      const queue = this.queues.get(tenantId) ?? [];
      queue.push({ entry, time: new Date(this.clock.now()), resolve, reject });
      this.queues.set(tenantId, queue);
      if (!this.flushing.has(tenantId)) void this.flush(tenantId);
    });
  }

  private async flush(tenantId: string): Promise<void> {
    this.flushing.add(tenantId);
    try {
      for (;;) {
        const batch = this.queues.get(tenantId);
        if (!batch || batch.length === 0) break;
        this.queues.delete(tenantId);
        try {
          await this.write(tenantId, batch);
          for (const p of batch) p.resolve();
        } catch (error) {
          for (const p of batch) p.reject(error);
        }
      }
    } finally {
      this.flushing.delete(tenantId);
    }
  }

  private async write(tenantId: string, batch: Pending[]): Promise<void> {
    const committed = await withTenant(this.db, tenantId, async (tx) => {
      // Optimistic: chain onto the head this process wrote last. Another process may have
      // appended since; then the database answers with the real head and we chain again.
      let head = this.heads.get(tenantId) ?? { seq: -1, hash: '' };
      for (;;) {
        const { rows, last } = this.chain(tenantId, batch, head);
        const [actual] = await queryRows<{ head_seq: string | number; head_hash: string }>(
          tx,
          sql`SELECT head_seq, head_hash FROM parley_audit_append(${tenantId}, ${head.seq}, ${head.hash}, ${JSON.stringify(rows)}::jsonb)`,
        );
        if (!actual) return last;
        head = { seq: Number(actual.head_seq), hash: actual.head_hash };
      }
    });
    // Only a committed write moves this process's idea of the head.
    this.heads.set(tenantId, committed);
  }

  /** The batch as database rows chained onto `head`, and the new head. */
  private chain(tenantId: string, batch: Pending[], head: ChainHead) {
    let seq = Math.max(head.seq, 0);
    let prevHash = head.seq < 0 ? GENESIS_HASH : head.hash;
    const rows = batch.map(({ entry, time }) => {
      seq += 1;
      const fields: ChainedFields = {
        id: newId(),
        tenantId,
        seq,
        time,
        kind: entry.kind,
        actor: entry.actor,
        action: entry.action,
        resource: entry.resource ?? null,
        decision: entry.decision,
        status: entry.status ?? null,
        route: entry.route ?? null,
        ip: entry.ip ?? null,
        userAgent: entry.userAgent ?? null,
        requestId: entry.requestId ?? null,
        latencyMs: entry.latencyMs ?? null,
        details: entry.details ?? {},
        prevHash,
      };
      const hash = recordHash(fields);
      prevHash = hash;
      // Column names, for jsonb_populate_recordset in parley_audit_append.
      return {
        id: fields.id,
        tenant_id: tenantId,
        seq,
        time: time.toISOString(),
        kind: fields.kind,
        actor: fields.actor,
        action: fields.action,
        resource: fields.resource,
        decision: fields.decision,
        status: fields.status,
        route: fields.route,
        ip: fields.ip,
        user_agent: fields.userAgent,
        request_id: fields.requestId,
        latency_ms: fields.latencyMs,
        details: fields.details,
        prev_hash: fields.prevHash,
        hash,
      };
    });
    return { rows, last: { seq, hash: prevHash } };
  }
}
