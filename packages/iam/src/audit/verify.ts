import { type Db, withTenant } from '@parley/db';
import { and, asc, eq, gt } from 'drizzle-orm';
import { auditEvents } from '../schema/iam.js';
import { GENESIS_HASH, recordHash } from './chain.js';

export interface ChainReport {
  tenantId: string;
  records: number;
  ok: boolean;
  /** The first record that does not match its chain, and why. */
  broken?: { id: string; seq: number; reason: string };
}

const PAGE = 1000;

/**
 * Walks one tenant's chain in order: each record's seq must follow the previous one, its
 * prev_hash must be the previous record's hash, and its hash must match its contents. A changed
 * field, a deleted record or a reordered one each stop the walk at the first affected record.
 */
export async function verifyChain(db: Db, tenantId: string): Promise<ChainReport> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let records = 0;
  for (;;) {
    const page = await withTenant(db, tenantId, (tx) =>
      tx
        .select()
        .from(auditEvents)
        .where(and(eq(auditEvents.tenantId, tenantId), gt(auditEvents.seq, expectedSeq - 1)))
        .orderBy(asc(auditEvents.seq))
        .limit(PAGE),
    );
    for (const row of page) {
      const { hash, ...fields } = row;
      let reason: string | undefined;
      if (row.seq !== expectedSeq) reason = `sequence gap: expected ${expectedSeq}, found ${row.seq}`;
      else if (row.prevHash !== prevHash) reason = 'prev_hash does not match the previous record';
      else if (recordHash(fields) !== hash) reason = 'contents do not match the record hash';
      if (reason) return { tenantId, records, ok: false, broken: { id: row.id, seq: row.seq, reason } };
      records += 1;
      expectedSeq += 1;
      prevHash = hash;
    }
    if (page.length < PAGE) return { tenantId, records, ok: true };
  }
}
