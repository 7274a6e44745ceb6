import { createHash, randomBytes } from 'node:crypto';

/**
 * SDK keys: `parley_fs_…` (server: downloads rulesets) or `parley_fc_…` (client: OFREP only),
 * then the tenant id (16 bytes) and 256 random bits, base64url. The tenant part lets the key be
 * looked up inside that tenant's row-level security scope before anything else is known; the
 * prefix makes a leaked key recognisable to people and secret scanners. Only the SHA-256 is stored.
 */
export type SdkKeyKind = 'server' | 'client';

const PREFIX: Record<SdkKeyKind, string> = { server: 'parley_fs_', client: 'parley_fc_' };
const TENANT_CHARS = 22;
const SECRET_CHARS = 43;
const BODY = /^[A-Za-z0-9_-]{65}$/;

export interface NewSdkKey {
  key: string;
  hash: string;
  /** Shown in listings: the kind prefix and the start of the random part. */
  display: string;
}

export function newSdkKey(kind: SdkKeyKind, tenantId: string): NewSdkKey {
  const tenant = Buffer.from(tenantId.replaceAll('-', ''), 'hex').toString('base64url');
  const secret = randomBytes(32).toString('base64url');
  const key = `${PREFIX[kind]}${tenant}${secret}`;
  return { key, hash: hashSdkKey(key), display: `${PREFIX[kind]}…${secret.slice(0, 8)}` };
}

export function hashSdkKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** The tenant and kind a well-formed key names; undefined for anything else. */
export function parseSdkKey(key: string): { tenantId: string; kind: SdkKeyKind } | undefined {
  const kind = (Object.keys(PREFIX) as SdkKeyKind[]).find((k) => key.startsWith(PREFIX[k]));
  if (!kind) return undefined;
  const body = key.slice(PREFIX[kind].length);
  if (body.length !== TENANT_CHARS + SECRET_CHARS || !BODY.test(body)) return undefined;
  const hex = Buffer.from(body.slice(0, TENANT_CHARS), 'base64url').toString('hex');
  if (hex.length !== 32) return undefined;
  return {
    kind,
    tenantId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
  };
}
