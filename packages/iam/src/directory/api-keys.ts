import type { Tx } from '@parley/db';
import { newId, problems } from '@parley/kit';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { newOpaqueToken, opaqueDisplayPrefix } from '../crypto/opaque.js';
import { apiKeys, serviceAccounts } from '../schema/iam.js';
import { roleIds } from './roles.js';

export interface ApiKeyView {
  id: string;
  serviceAccount: string;
  prefix: string;
  roles: string[];
  expiresAt: string | null;
  revokedAt: string | null;
  /** Within the principal cache's TTL (60 s): refreshed when a process loads the key. */
  lastUsedAt: string | null;
  createdAt: string;
}

/**
 * A new API key for a service account (created on first use of its name). The key itself is
 * returned once and never stored: only its SHA-256 and a display prefix are kept.
 */
export async function createApiKey(
  tx: Tx,
  tenantId: string,
  input: { serviceAccount: string; roles: string[]; expiresAt?: Date },
): Promise<{ key: string; view: ApiKeyView }> {
  if (input.roles.length === 0) throw problems.badRequest('An API key needs at least one role');
  await roleIds(tx, input.roles);
  let [account] = await tx
    .select()
    .from(serviceAccounts)
    .where(eq(serviceAccounts.name, input.serviceAccount));
  if (!account) {
    [account] = await tx
      .insert(serviceAccounts)
      .values({ id: newId(), tenantId, name: input.serviceAccount })
      .returning();
  }
  const { token, hash } = newOpaqueToken('parley_ak', tenantId);
  const [row] = await tx
    .insert(apiKeys)
    .values({
      id: newId(),
      tenantId,
      serviceAccountId: account!.id,
      prefix: opaqueDisplayPrefix('parley_ak', token),
      keyHash: hash,
      roles: [...new Set(input.roles)].sort(),
      expiresAt: input.expiresAt ?? null,
    })
    .returning();
  return { key: token, view: toView(row!, account!.name) };
}

export async function listApiKeys(tx: Tx): Promise<ApiKeyView[]> {
  const rows = await tx
    .select({ key: apiKeys, account: serviceAccounts.name })
    .from(apiKeys)
    .innerJoin(serviceAccounts, eq(serviceAccounts.id, apiKeys.serviceAccountId))
    .orderBy(asc(apiKeys.createdAt));
  return rows.map((r) => toView(r.key, r.account));
}

/** Returns false when no such (unrevoked) key exists in the tenant. */
export async function revokeApiKey(tx: Tx, id: string, at: Date): Promise<boolean> {
  const rows = await tx
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .returning({ id: apiKeys.id });
  return rows.length > 0;
}

function toView(row: typeof apiKeys.$inferSelect, account: string): ApiKeyView {
  return {
    id: row.id,
    serviceAccount: account,
    prefix: row.prefix,
    roles: row.roles,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
  };
}
