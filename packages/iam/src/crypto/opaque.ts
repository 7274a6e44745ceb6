import { createHash, randomBytes } from 'node:crypto';

/**
 * Opaque bearer secrets (refresh tokens, API keys): `<kind>_<tenant><secret>`, where the tenant id
 * (16 bytes) and 256 random bits are base64url. The tenant part lets the server open the lookup
 * transaction inside that tenant (row-level security) before it knows anything else; the prefix
 * makes leaked secrets recognisable to people and secret scanners.
 */
export type OpaqueKind = 'parley_rt' | 'parley_ak';

const TENANT_CHARS = 22; // base64url of 16 bytes
const SECRET_CHARS = 43; // base64url of 32 bytes
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export interface OpaqueToken {
  token: string;
  /** SHA-256 of the whole token, hex: what the database stores. */
  hash: string;
}

export function newOpaqueToken(kind: OpaqueKind, tenantId: string): OpaqueToken {
  const tenant = Buffer.from(tenantId.replaceAll('-', ''), 'hex').toString('base64url');
  const token = `${kind}_${tenant}${randomBytes(32).toString('base64url')}`;
  return { token, hash: hashOpaque(token) };
}

export function hashOpaque(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The tenant id a well-formed token names, or undefined for anything malformed. */
export function opaqueTenant(kind: OpaqueKind, token: string): string | undefined {
  const body = token.startsWith(`${kind}_`) ? token.slice(kind.length + 1) : '';
  if (body.length !== TENANT_CHARS + SECRET_CHARS || !BASE64URL.test(body)) return undefined;
  const hex = Buffer.from(body.slice(0, TENANT_CHARS), 'base64url').toString('hex');
  if (hex.length !== 32) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The characters shown in listings: kind plus the start of the random part. */
export function opaqueDisplayPrefix(kind: OpaqueKind, token: string): string {
  return `${kind}_…${token.slice(kind.length + 1 + TENANT_CHARS, kind.length + 1 + TENANT_CHARS + 8)}`;
}
