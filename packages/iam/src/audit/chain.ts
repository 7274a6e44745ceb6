import { createHash } from 'node:crypto';

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

export function recordHash(fields: ChainedFields): string {
  const body = canonicalJson({ ...fields, time: fields.time.toISOString() });
  return createHash('sha256').update(body).digest('hex');
}
