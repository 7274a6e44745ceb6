import { type Db, withTenant } from '@parley/db';
import { and, desc, eq, gte, lt, lte, type SQL } from 'drizzle-orm';
import { auditEvents } from '../schema/iam.js';

export interface AuditFilter {
  actor?: string;
  action?: string;
  decision?: 'allow' | 'deny';
  kind?: 'request' | 'event';
  from?: Date;
  to?: Date;
  /** Records older than this sequence number (the cursor of the previous page). */
  before?: number;
  limit: number;
}

export type AuditRecord = typeof auditEvents.$inferSelect;

/** One page of a tenant's records, newest first, and the cursor of the next page. */
export async function queryAudit(
  db: Db,
  tenantId: string,
  filter: AuditFilter,
): Promise<{ records: AuditRecord[]; next?: number }> {
  const conditions: SQL[] = [eq(auditEvents.tenantId, tenantId)];
  if (filter.actor) conditions.push(eq(auditEvents.actor, filter.actor));
  if (filter.action) conditions.push(eq(auditEvents.action, filter.action));
  if (filter.decision) conditions.push(eq(auditEvents.decision, filter.decision));
  if (filter.kind) conditions.push(eq(auditEvents.kind, filter.kind));
  if (filter.from) conditions.push(gte(auditEvents.time, filter.from));
  if (filter.to) conditions.push(lte(auditEvents.time, filter.to));
  if (filter.before !== undefined) conditions.push(lt(auditEvents.seq, filter.before));
  const rows = await withTenant(db, tenantId, (tx) =>
    tx
      .select()
      .from(auditEvents)
      .where(and(...conditions))
      .orderBy(desc(auditEvents.seq))
      .limit(filter.limit + 1),
  );
  const records = rows.slice(0, filter.limit);
  return rows.length > filter.limit ? { records, next: records[records.length - 1]!.seq } : { records };
}

/** Every matching record, newest first, page by page: for NDJSON export without loading it all. */
export async function* exportAudit(
  db: Db,
  tenantId: string,
  filter: Omit<AuditFilter, 'limit' | 'before'>,
): AsyncGenerator<AuditRecord> {
  let before: number | undefined;
  for (;;) {
    const page = await queryAudit(db, tenantId, { ...filter, before, limit: 500 });
    yield* page.records;
    if (page.next === undefined) return;
    before = page.next;
  }
}
