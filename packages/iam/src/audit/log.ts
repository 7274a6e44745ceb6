import type { Db } from '@parley/db';
import { type Clock, newId } from '@parley/kit';
import { type ChainedFields, recordHash } from './chain.js';
import { AuditStatements, type BatchColumns, type ChainHead } from './statements.js';

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

/** One tenant's chain as this process sees it. */
interface Chain {
  queue: Pending[];
  /** A batch of this chain is on the wire: records arriving now wait for the next one. */
  busy: boolean;
  /**
   * The chain head after this process's last committed batch. Undefined when unknown (start, a
   * failure, another process appended): the next batch learns it from the database.
   */
  tail: ChainHead | undefined;
}

/** Records per INSERT: bounds one statement's size and one failure's blast radius. */
const MAX_BATCH = 256;

/**
 * The append-only audit log. `append` resolves once the record is committed, and rejects when
 * the batch it went in failed. Group commit, leader/follower style, with no timer: records
 * reaching an idle chain leave together at the end of the event-loop turn; records arriving while
 * that batch commits wait and leave together as the next batch at the end of the turn it settles in. One batch per chain is on the wire, so
 * a batch is always chained onto a committed head (the hashes are computed here, from the last
 * one) and never waits behind a sibling on the tenant's lock. Each batch is one prepared
 * statement (`parley_audit_insert`, migration 0012: one array per column) that checks, under
 * the tenant's advisory lock, that the head is still the one this process chained onto. When it
 * is not (another process appended, or a failure left the head unknown) nothing is inserted and
 * the batch is re-chained in one transaction that reads the head under the lock and inserts. So
 * every record's prev_hash is its predecessor's, across processes.
 */
export class AuditLog {
  private readonly chains = new Map<string, Chain>();
  private readonly statements: AuditStatements;

  constructor(
    db: Db,
    private readonly clock: Clock,
  ) {
    this.statements = new AuditStatements(db);
  }

  append(entry: AuditEntry): Promise<void> {
    const tenantId = entry.tenantId ?? PLATFORM_TENANT;
    return new Promise<void>((resolve, reject) => {
      let chain = this.chains.get(tenantId);
      if (!chain) {
        chain = { queue: [], busy: false, tail: undefined };
        this.chains.set(tenantId, chain);
      }
      chain.queue.push({ entry, time: new Date(this.clock.now()), resolve, reject });
      if (!chain.busy) this.schedule(tenantId, chain);
    });
  }

  /**
   * Sends the queued records at the end of this event-loop turn (setImmediate, not a timer), so
   * the requests answered in the same turn share the batch. They come in bursts: the admissions
   * of a turn return together from Redis, so their responses reach the log together. Sent at
   * once, the first would go alone and the rest wait for its commit: a commit per burst more.
   * With PGlite the statement runs on this thread, so sent at once it would even run before the
   * rest of the turn reached the log.
   */
  private schedule(tenantId: string, chain: Chain): void {
    chain.busy = true;
    setImmediate(() => {
      chain.busy = false;
      this.send(tenantId, chain);
    });
  }

  /** Sends the queued records as one batch; when it settles, the next queued ones follow. */
  private send(tenantId: string, chain: Chain): void {
    const batch = chain.queue.splice(0, MAX_BATCH);
    const expected = chain.tail;
    let chained: ReturnType<AuditLog['chain']> | undefined;
    try {
      chained = expected ? this.chain(tenantId, batch, expected) : undefined;
    } catch (error) {
      // A record that cannot be serialised: its batch fails, nothing was sent.
      for (const p of batch) p.reject(error);
      this.next(tenantId, chain);
      return;
    }
    chain.busy = true;
    this.write(tenantId, batch, expected, chained).then(
      (head) => {
        chain.tail = head;
        for (const p of batch) p.resolve();
        this.next(tenantId, chain);
      },
      (error: unknown) => {
        chain.tail = undefined;
        for (const p of batch) p.reject(error);
        this.next(tenantId, chain);
      },
    );
  }

  private next(tenantId: string, chain: Chain): void {
    chain.busy = false;
    if (chain.queue.length > 0) this.schedule(tenantId, chain);
    else if (!chain.tail) this.chains.delete(tenantId);
  }

  /** Commits one batch; resolves with the chain head after it. */
  private async write(
    tenantId: string,
    batch: Pending[],
    expected: ChainHead | undefined,
    chained: ReturnType<AuditLog['chain']> | undefined,
  ): Promise<ChainHead> {
    // The usual case: one statement, its own transaction.
    if (expected && chained && !(await this.statements.insertAt(tenantId, expected, chained.columns)))
      return chained.last;
    // The head moved (another process appended) or is unknown: chain onto the real one, locked.
    return this.statements.lockedInsert(tenantId, (head) => {
      const { columns, last } = this.chain(tenantId, batch, head);
      return { columns, result: last };
    });
  }

  /** The batch as column arrays chained onto `head`, and the new head. */
  private chain(tenantId: string, batch: Pending[], head: ChainHead) {
    const n = batch.length;
    const columns: BatchColumns = {
      id: new Array(n),
      seq: new Array(n),
      time: new Array(n),
      kind: new Array(n),
      actor: new Array(n),
      action: new Array(n),
      resource: new Array(n),
      decision: new Array(n),
      status: new Array(n),
      route: new Array(n),
      ip: new Array(n),
      userAgent: new Array(n),
      requestId: new Array(n),
      latencyMs: new Array(n),
      details: new Array(n),
      prevHash: new Array(n),
      hash: new Array(n),
    };
    let seq = head.seq;
    let prevHash = head.hash;
    for (let i = 0; i < n; i++) {
      const { entry, time } = batch[i]!;
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
      columns.id[i] = fields.id;
      columns.seq[i] = seq;
      columns.time[i] = time.getTime();
      columns.kind[i] = fields.kind;
      columns.actor[i] = fields.actor;
      columns.action[i] = fields.action;
      columns.resource[i] = fields.resource;
      columns.decision[i] = fields.decision;
      columns.status[i] = fields.status;
      columns.route[i] = fields.route;
      columns.ip[i] = fields.ip;
      columns.userAgent[i] = fields.userAgent;
      columns.requestId[i] = fields.requestId;
      columns.latencyMs[i] = fields.latencyMs;
      // Throws for what JSON cannot hold (a BigInt): the batch fails before anything is sent.
      columns.details[i] = JSON.stringify(fields.details);
      columns.prevHash[i] = prevHash;
      columns.hash[i] = hash;
      prevHash = hash;
    }
    return { columns, last: { seq, hash: prevHash } };
  }
}
