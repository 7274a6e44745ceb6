import { type Tx, tenantSettings } from '@parley/db';
import { eq } from 'drizzle-orm';

/** The tenant setting that overrides the global per-user request limit. */
export const RATE_LIMIT_SETTING = 'iam.rate_limits';

/** Requests per minute: for the tenant's users and API keys, and per role. */
export interface TenantRateLimits {
  userPerMinute?: number;
  roles?: Record<string, number>;
}

/**
 * A principal's per-minute limit in its tenant: the most generous limit among its roles that
 * have one, else the tenant's, else undefined (the global default applies).
 */
export async function rateLimitFor(tx: Tx, roles: readonly string[]): Promise<number | undefined> {
  const [row] = await tx
    .select({ value: tenantSettings.value })
    .from(tenantSettings)
    .where(eq(tenantSettings.key, RATE_LIMIT_SETTING));
  const limits = row?.value as TenantRateLimits | undefined;
  if (!limits) return undefined;
  const byRole = roles.map((r) => limits.roles?.[r]).filter((n): n is number => typeof n === 'number');
  return byRole.length > 0 ? Math.max(...byRole) : limits.userPerMinute;
}

function isLimit(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 1;
}

export function validRateLimits(limits: TenantRateLimits): boolean {
  if (limits.userPerMinute !== undefined && !isLimit(limits.userPerMinute)) return false;
  return Object.values(limits.roles ?? {}).every(isLimit);
}
