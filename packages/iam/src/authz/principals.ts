import { type Db, tenants, withTenant } from '@parley/db';
import type { Clock } from '@parley/kit';
import type { Principal } from '@parley/kit/http';
import { and, eq } from 'drizzle-orm';
import { permissionsOfRoles } from '../directory/roles.js';
import { userRoleNames } from '../directory/users.js';
import { apiKeys, serviceAccounts, users } from '../schema/iam.js';
import type { Invalidation, SharedState } from '../shared/state.js';
import { rateLimitFor } from './rate-limits.js';

/** A user's current standing: what a token must agree with to be accepted. */
export interface UserStanding {
  active: boolean;
  epoch: number;
  roles: string[];
  permissions: ReadonlySet<string>;
  /** Requests per minute from the tenant's settings; undefined: the global default. */
  rateLimit?: number;
}

export interface ApiKeyStanding {
  keyId: string;
  tenantId: string;
  serviceAccountId: string;
  usable: boolean;
  expiresAt: number | null;
  roles: string[];
  permissions: ReadonlySet<string>;
  rateLimit?: number;
}

/** Bounds each cache: unknown API keys are cached too (as null), and callers choose those freely. */
const MAX_ENTRIES = 50_000;

interface Cached<T> {
  value: T;
  tenantId: string;
  loadedAt: number;
}

/**
 * Effective permissions per user and per API key, cached in process. Role, membership, status
 * and epoch changes publish an invalidation that every process applies (Redis pub/sub when
 * configured); the TTL only bounds staleness if a message is ever lost.
 */
export class PrincipalDirectory {
  private readonly users = new Map<string, Cached<UserStanding>>();
  private readonly keys = new Map<string, Cached<ApiKeyStanding | null>>();

  constructor(
    private readonly db: Db,
    private readonly state: SharedState,
    private readonly clock: Clock,
    private readonly ttlMs = 60_000,
  ) {
    state.subscribe((message) => this.apply(message));
  }

  apply(message: Invalidation): void {
    if (message.type === 'principal') this.users.delete(`${message.tenantId}:${message.subject}`);
    if (message.type === 'tenant') {
      for (const [key, entry] of this.users) if (entry.tenantId === message.tenantId) this.users.delete(key);
      for (const [key, entry] of this.keys) if (entry.tenantId === message.tenantId) this.keys.delete(key);
    }
  }

  /** Tells every process (this one included) to forget what it cached. */
  async invalidate(message: Invalidation): Promise<void> {
    this.apply(message);
    await this.state.publish(message);
  }

  private fresh<T>(entry: Cached<T> | undefined): entry is Cached<T> {
    return entry !== undefined && this.clock.now() - entry.loadedAt < this.ttlMs;
  }

  async user(tenantId: string, userId: string): Promise<UserStanding | undefined> {
    const key = `${tenantId}:${userId}`;
    const cached = this.users.get(key);
    if (this.fresh(cached)) return cached.value;
    const loadedAt = this.clock.now();
    const standing = await withTenant(this.db, tenantId, async (tx) => {
      const [row] = await tx
        .select({ status: users.status, epoch: users.tokenEpoch, tenantStatus: tenants.status })
        .from(users)
        .innerJoin(tenants, eq(tenants.id, users.tenantId))
        .where(eq(users.id, userId));
      if (!row) return undefined;
      const names = await userRoleNames(tx, userId);
      return {
        active: row.status === 'active' && row.tenantStatus === 'active',
        epoch: row.epoch,
        roles: names,
        permissions: await permissionsOfRoles(tx, names),
        rateLimit: await rateLimitFor(tx, names),
      };
    });
    if (this.users.size >= MAX_ENTRIES) this.users.clear();
    if (standing) this.users.set(key, { value: standing, tenantId, loadedAt });
    return standing;
  }

  async apiKey(tenantId: string, keyHash: string): Promise<ApiKeyStanding | null> {
    const cached = this.keys.get(keyHash);
    if (this.fresh(cached) && cached.tenantId === tenantId) return cached.value;
    const loadedAt = this.clock.now();
    const standing = await withTenant(this.db, tenantId, async (tx) => {
      const [row] = await tx
        .select({
          id: apiKeys.id,
          serviceAccountId: apiKeys.serviceAccountId,
          roles: apiKeys.roles,
          expiresAt: apiKeys.expiresAt,
          revokedAt: apiKeys.revokedAt,
          accountStatus: serviceAccounts.status,
          tenantStatus: tenants.status,
        })
        .from(apiKeys)
        .innerJoin(serviceAccounts, eq(serviceAccounts.id, apiKeys.serviceAccountId))
        .innerJoin(tenants, eq(tenants.id, apiKeys.tenantId))
        .where(and(eq(apiKeys.keyHash, keyHash)));
      if (!row) return null;
      // Once per cache fill, not per request: "last used" is accurate to the cache TTL.
      await tx
        .update(apiKeys)
        .set({ lastUsedAt: new Date(loadedAt) })
        .where(eq(apiKeys.id, row.id));
      return {
        keyId: row.id,
        tenantId,
        serviceAccountId: row.serviceAccountId,
        usable: row.revokedAt === null && row.accountStatus === 'active' && row.tenantStatus === 'active',
        expiresAt: row.expiresAt?.getTime() ?? null,
        roles: row.roles,
        permissions: await permissionsOfRoles(tx, row.roles),
        rateLimit: await rateLimitFor(tx, row.roles),
      };
    });
    if (this.keys.size >= MAX_ENTRIES) this.keys.clear();
    this.keys.set(keyHash, { value: standing, tenantId, loadedAt });
    return standing;
  }
}

/** The decision itself: every required permission held. The hot path: a few Set lookups. */
export function isAllowed(principal: Principal | undefined, required: string | readonly string[]): boolean {
  if (!principal) return false;
  if (typeof required === 'string') return principal.permissions.has(required);
  for (const permission of required) if (!principal.permissions.has(permission)) return false;
  return required.length > 0;
}
