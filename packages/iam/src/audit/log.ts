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

/** One tenant's chain as this process sees it. */
interface Chain {
  queue: Pending[];
  /** Batches sent and not yet settled. */
  inFlight: number;
  /**
   * The head the next batch chains onto: the last record of the newest batch sent. Undefined
   * when unknown (start, a failure, another process appended): the next batch asks the database.
   */
  tail: ChainHead | undefined;
  /** The newest batch sent: settles with the head after it, or undefined if it failed. */
  newest: Promise<ChainHead | undefined> | undefined;
}

/** Records per INSERT: bounds one statement's size and one failure's blast radius. */
const MAX_BATCH = 256;
/** Batches of one chain on the wire at once: the next one travels while the previous commits. */
const MAX_IN_FLIGHT = 2;

/**
 * The append-only audit log. `append` resolves once the record is committed, and rejects when
 * the batch it went in failed. Group commit, leader/follower style: a record arriving at an idle
 * chain is sent at once (no added latency); records arriving while a batch is on the wire queue
 * and go together in the next one. Each batch is one statement (`parley_audit_append_in_tenant`),
 * chained onto the head this process expects; the next batch may be sent before the previous
 * one commits (chained onto its last record) and waits for it on the tenant's advisory lock in
 * the database. When the expectation is wrong (another process appended, or a batch before it
 * failed) nothing is inserted and the batch is re-chained inside one transaction that holds the
 * lock until it succeeds. So every record's prev_hash is its predecessor's, across processes.
 */
export class AuditLog {
  private readonly chains = new Map<string, Chain>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  append(entry: AuditEntry): Promise<void> {
    const tenantId = entry.tenantId ?? PLATFORM_TENANT;
    return new Promise<void>((resolve, reject) => {
      let chain = this.chains.get(tenantId);
      if (!chain) {
        chain = { queue: [], inFlight: 0, tail: undefined, newest: undefined };
        this.chains.set(tenantId, chain);
      }
      chain.queue.push({ entry, time: new Date(this.clock.now()), resolve, reject });
      this.pump(tenantId, chain);
    });
  }

  /** Sends queued records while the chain has room on the wire. */
  private pump(tenantId: string, chain: Chain): void {
    while (chain.queue.length > 0 && chain.inFlight < MAX_IN_FLIGHT) {
      // An unknown head is learnt from the database once nothing else of ours is in flight.
      if (!chain.tail && chain.inFlight > 0) return;
      const batch = chain.queue.splice(0, MAX_BATCH);
      const expected = chain.tail;
      let chained: ReturnType<AuditLog['chain']> | undefined;
      try {
        chained = expected ? this.chain(tenantId, batch, expected) : undefined;
      } catch (error) {
        // A record that cannot be serialised: its batch fails, nothing was sent.
        for (const p of batch) p.reject(error);
        continue;
      }
      chain.tail = chained?.last;
      chain.inFlight += 1;
      const written = this.write(tenantId, batch, expected, chained, chain.newest);
      chain.newest = written.catch(() => undefined);
      written.then(
        (committed) => {
          chain.inFlight -= 1;
          // Re-chained batches moved the head elsewhere: trust the database's answer, once idle.
          if (!chained || committed !== chained.last)
            chain.tail = chain.inFlight === 0 ? committed : undefined;
          for (const p of batch) p.resolve();
          this.pump(tenantId, chain);
        },
        (error: unknown) => {
          chain.inFlight -= 1;
          chain.tail = undefined;
          for (const p of batch) p.reject(error);
          this.pump(tenantId, chain);
        },
      );
    }
    if (chain.queue.length === 0 && chain.inFlight === 0) {
      chain.newest = undefined;
      if (!chain.tail) this.chains.delete(tenantId);
    }
  }

  /** Commits one batch; resolves with the chain head after it. */
  private async write(
    tenantId: string,
    batch: Pending[],
    expected: ChainHead | undefined,
    chained: ReturnType<AuditLog['chain']> | undefined,
    previous: Promise<ChainHead | undefined> | undefined,
  ): Promise<ChainHead> {
    if (expected && chained) {
      // The usual case: one statement, its own transaction.
      if (await this.appendAt(tenantId, expected, chained.rows)) return chained.last;
      // The previous batch travels on another connection and may reach the lock after this one:
      // once it has committed where this batch expects, the same statement goes through.
      const before = previous && (await previous);
      if (before && before.seq === expected.seq && before.hash === expected.hash)
        if (await this.appendAt(tenantId, expected, chained.rows)) return chained.last;
    }
    return this.rechainAndWrite(tenantId, batch);
  }

  /** One statement: inserts the rows if the chain head is `expected`; false when it is not. */
  private async appendAt(tenantId: string, expected: ChainHead, rows: unknown[]): Promise<boolean> {
    const [actual] = await queryRows<{ head_seq: string | number }>(
      this.db,
      sql`SELECT head_seq FROM parley_audit_append_in_tenant(${tenantId}, ${expected.seq}, ${expected.hash}, ${JSON.stringify(rows)}::jsonb)`,
    );
    return actual === undefined;
  }

  /**
   * Chains the batch onto the head the database reports and inserts, all in one transaction: the
   * advisory lock taken by the first call is held until commit, so the second call succeeds.
   */
  private rechainAndWrite(tenantId: string, batch: Pending[]): Promise<ChainHead> {
    return withTenant(this.db, tenantId, async (tx) => {
      let head: ChainHead = { seq: -1, hash: '' };
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
