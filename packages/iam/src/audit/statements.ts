import { type Db, queryRows } from '@parley/db';
import { type SQL, sql } from 'drizzle-orm';
import { int4Array, int8Array, jsonbArray, textArray, timestamptzArray, uuidArray } from './binary-arrays.js';
import { GENESIS_HASH } from './chain.js';

export interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * A batch as one array per column, in `parley_audit_insert`'s argument order (migration 0012):
 * PostgreSQL unnests them into rows without parsing a JSON document per batch.
 */
export interface BatchColumns {
  id: string[];
  seq: number[];
  /** Unix milliseconds. */
  time: number[];
  kind: string[];
  actor: string[];
  action: string[];
  resource: (string | null)[];
  decision: string[];
  status: (number | null)[];
  route: (string | null)[];
  ip: (string | null)[];
  userAgent: (string | null)[];
  requestId: (string | null)[];
  latencyMs: (number | null)[];
  /** JSON text of each record's details (jsonb[]). */
  details: string[];
  prevHash: string[];
  hash: string[];
}

const INSERT_ARGS = 20;
const INSERT_TEXT = `SELECT head_seq, head_hash FROM parley_audit_insert(${Array.from(
  { length: INSERT_ARGS },
  (_, i) => `$${i + 1}`,
).join(', ')})`;

/** The arguments as text (PGlite, and the re-chain through Drizzle): arrays as node-postgres or PGlite write them. */
function insertValues(tenantId: string, expected: ChainHead, c: BatchColumns): unknown[] {
  return [
    tenantId,
    expected.seq,
    expected.hash,
    c.id,
    c.seq,
    c.time.map((ms) => new Date(ms).toISOString()),
    c.kind,
    c.actor,
    c.action,
    c.resource,
    c.decision,
    c.status,
    c.route,
    c.ip,
    c.userAgent,
    c.requestId,
    c.latencyMs,
    c.details,
    c.prevHash,
    c.hash,
  ];
}

/** The arguments for node-postgres, arrays in the binary format (see binary-arrays.ts). */
function binaryInsertValues(tenantId: string, expected: ChainHead, c: BatchColumns): unknown[] {
  return [
    tenantId,
    expected.seq,
    expected.hash,
    uuidArray(c.id),
    int8Array(c.seq),
    timestamptzArray(c.time),
    textArray(c.kind),
    textArray(c.actor),
    textArray(c.action),
    textArray(c.resource),
    textArray(c.decision),
    int4Array(c.status),
    textArray(c.route),
    textArray(c.ip),
    textArray(c.userAgent),
    textArray(c.requestId),
    int4Array(c.latencyMs),
    jsonbArray(c.details),
    textArray(c.prevHash),
    textArray(c.hash),
  ];
}

interface HeadRow {
  head_seq: string | number;
  head_hash: string;
}

/** node-postgres (a Pool or a Client) takes `{ name, text, values }`: a statement prepared once per connection. */
interface NodePostgresClient {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: HeadRow[] }>;
}

function nodePostgres(db: Db): NodePostgresClient | undefined {
  // Drizzle's documented handle on the driver: a pg Pool/Client, or a PGlite instance.
  const client = (db as unknown as { $client?: object }).$client;
  if (client && ('totalCount' in client || 'connectionParameters' in client))
    return client as unknown as NodePostgresClient;
  return undefined;
}

/**
 * The audit log's two statements. `insertAt` is the whole group commit in one round trip: on
 * PostgreSQL a named prepared statement (parsed and planned once per connection), on PGlite the
 * same call through Drizzle. `lockedInsert` is the re-chain: one transaction that takes the
 * tenant's lock, reads the head, and inserts the batch chained onto it before anyone else can.
 */
export class AuditStatements {
  private readonly pg: NodePostgresClient | undefined;

  constructor(private readonly db: Db) {
    this.pg = nodePostgres(db);
  }

  /** Inserts the batch if the chain head is `expected`; otherwise inserts nothing and returns the head. */
  async insertAt(
    tenantId: string,
    expected: ChainHead,
    columns: BatchColumns,
  ): Promise<ChainHead | undefined> {
    const rows = this.pg
      ? (
          await this.pg.query({
            name: 'parley_audit_insert',
            text: INSERT_TEXT,
            values: binaryInsertValues(tenantId, expected, columns),
          })
        ).rows
      : await queryRows<HeadRow>(this.db, insertCall(insertValues(tenantId, expected, columns)));
    const [head] = rows;
    return head && { seq: Number(head.head_seq), hash: head.head_hash };
  }

  /** In one transaction: locks the chain, chains the batch onto its head and inserts it. */
  lockedInsert<T>(tenantId: string, chainOnto: (head: ChainHead) => { columns: BatchColumns; result: T }) {
    return this.db.transaction(async (tx) => {
      const [row] = await queryRows<HeadRow>(
        tx,
        sql`SELECT head_seq, head_hash FROM parley_audit_lock_head(${tenantId})`,
      );
      const head = row ? { seq: Number(row.head_seq), hash: row.head_hash } : { seq: 0, hash: GENESIS_HASH };
      const { columns, result } = chainOnto(head);
      const [moved] = await queryRows<HeadRow>(tx, insertCall(insertValues(tenantId, head, columns)));
      // The lock is held since the head was read: a mismatch here is a bug, not a race.
      if (moved) throw new Error(`audit chain of ${tenantId} moved while locked`);
      return result;
    });
  }
}

function insertCall(values: unknown[]): SQL {
  return sql`SELECT head_seq, head_hash FROM parley_audit_insert(${sql.join(
    values.map((v) => sql.param(v)),
    sql`, `,
  )})`;
}
