import { hash } from 'node:crypto';

/** The hash before a tenant's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields a record's hash covers: everything but the hash itself. */
export interface ChainedFields {
  id: string;
  tenantId: string;
  seq: number;
  time: Date;
  kind: string;
  actor: string;
  action: string;
  resource: string | null;
  decision: string;
  status: number | null;
  route: string | null;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  latencyMs: number | null;
  details: unknown;
  prevHash: string;
}

/** JSON with object keys sorted at every level: jsonb reorders keys, the hash must not care. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

const q = JSON.stringify;

/**
 * The canonical JSON of a record, written out in sorted key order: the same text as
 * `canonicalJson({ ...fields, time })`, without sorting keys per record. Every request pays for
 * this on the server's event loop, and the generic walk cost ~10x more.
 */
function recordBody(f: ChainedFields): string {
  return `{"action":${q(f.action)},"actor":${q(f.actor)},"decision":${q(f.decision)},"details":${canonicalJson(f.details)},"id":${q(f.id)},"ip":${q(f.ip)},"kind":${q(f.kind)},"latencyMs":${q(f.latencyMs)},"prevHash":${q(f.prevHash)},"requestId":${q(f.requestId)},"resource":${q(f.resource)},"route":${q(f.route)},"seq":${q(f.seq)},"status":${q(f.status)},"tenantId":${q(f.tenantId)},"time":${q(f.time.toISOString())},"userAgent":${q(f.userAgent)}}`;
}

export function recordHash(fields: ChainedFields): string {
  return hash('sha256', recordBody(fields), 'hex');
}
