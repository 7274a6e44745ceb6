import { type Db, withTenant } from '@parley/db';
import { type Clock, newId } from '@parley/kit';
import { desc, eq, sql } from 'drizzle-orm';
import { auditEvents } from '../schema/iam.js';
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
 * advisory lock on the tenant serialises the chain: each record's prev_hash is the previous one's.
 */
export class AuditLog {
  private readonly queues = new Map<string, Pending[]>();
  private readonly flushing = new Set<string>();

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
    await withTenant(this.db, tenantId, async (tx) => {
      await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended(${`audit:${tenantId}`}, 0))`);
      const [last] = await tx
        .select({ seq: auditEvents.seq, hash: auditEvents.hash })
        .from(auditEvents)
        .where(eq(auditEvents.tenantId, tenantId))
        .orderBy(desc(auditEvents.seq))
        .limit(1);
      let seq = last?.seq ?? 0;
      let prevHash = last?.hash ?? GENESIS_HASH;
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
        return { ...fields, kind: entry.kind, decision: entry.decision, hash };
      });
      await tx.insert(auditEvents).values(rows);
    });
  }
}
