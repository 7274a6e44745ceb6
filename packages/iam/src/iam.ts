import { type Db, tenantSettings, tenants, withTenant } from '@parley/db';
import { type Clock, problems, systemClock } from '@parley/kit';
import type { Principal } from '@parley/kit/http';
import { and, eq, isNull, sql } from 'drizzle-orm';
import { AuditLog } from './audit/log.js';
import { Authenticator } from './authn/authenticate.js';
import { type LoginThrottle, Sessions } from './authn/sessions.js';
import { isAllowed, PrincipalDirectory } from './authz/principals.js';
import { RATE_LIMIT_SETTING, type TenantRateLimits, validRateLimits } from './authz/rate-limits.js';
import type { MasterKey } from './crypto/master-key.js';
import { type ApiKeyView, createApiKey, listApiKeys, revokeApiKey } from './directory/api-keys.js';
import {
  createRole,
  deleteRole,
  listRoles,
  type RoleView,
  setRolePermissions,
  setUserRoles,
} from './directory/roles.js';
import { createTenant, type TenantView } from './directory/tenants.js';
import { createUser, listUsers, type UserView } from './directory/users.js';
import { refreshTokens, users } from './schema/iam.js';
import type { SharedState } from './shared/state.js';
import { AccessTokens } from './tokens/access-token.js';
import { KeyRing, type RotationResult } from './tokens/signing-keys.js';

export interface RateLimits {
  userPerMinute: number;
  anonymousPerMinute: number;
  /** Login and refresh, per IP. */
  authPerMinute: number;
}

export interface IamOptions {
  db: Db;
  state: SharedState;
  masterKey: MasterKey;
  clock?: Clock;
  issuer: string;
  audience: string;
  accessTtlMs: number;
  refreshTtlMs: number;
  rateLimits: RateLimits;
  throttle: LoginThrottle;
  /**
   * How often the signing keys are re-read from the database, bounding how long a process keeps
   * a key revoked elsewhere when no invalidation reaches it (no Redis, or a lost message).
   */
  keyRefreshMs?: number;
}

/** Who performs an administrative change, for its audit event. */
export interface Actor {
  actor: string;
  requestId?: string;
  ip?: string;
}

const SYSTEM: Actor = { actor: 'system' };

/**
 * The IAM service: identity (tenants, users, roles, service accounts), tokens, authorization
 * decisions and the audit log, over one database and one SharedState.
 */
export class Iam {
  readonly db: Db;
  readonly state: SharedState;
  readonly clock: Clock;
  readonly keys: KeyRing;
  readonly tokens: AccessTokens;
  readonly directory: PrincipalDirectory;
  readonly authenticator: Authenticator;
  readonly sessions: Sessions;
  readonly audit: AuditLog;
  readonly rateLimits: RateLimits;
  private keyRefresh: NodeJS.Timeout | undefined;

  private constructor(options: IamOptions) {
    this.db = options.db;
    this.state = options.state;
    this.clock = options.clock ?? systemClock;
    this.rateLimits = options.rateLimits;
    this.keys = new KeyRing(options.db, options.masterKey, this.clock, options.accessTtlMs);
    this.tokens = new AccessTokens(
      this.keys,
      { issuer: options.issuer, audience: options.audience, ttlMs: options.accessTtlMs },
      this.clock,
    );
    this.audit = new AuditLog(options.db, this.clock);
    this.directory = new PrincipalDirectory(options.db, options.state, this.clock);
    this.authenticator = new Authenticator(this.tokens, this.directory, options.state, this.clock);
    this.sessions = new Sessions(
      options.db,
      this.tokens,
      this.directory,
      options.state,
      this.audit,
      this.clock,
      {
        refreshTtlMs: options.refreshTtlMs,
        throttle: options.throttle,
      },
    );
    options.state.subscribe((message) => {
      if (message.type === 'signing-keys') void this.keys.reload().catch(() => {});
    });
  }

  /** Loads (or creates the first) signing key. */
  static async open(options: IamOptions): Promise<Iam> {
    const iam = new Iam(options);
    await iam.keys.start();
    iam.keyRefresh = setInterval(
      () => void iam.keys.reload().catch(() => {}),
      options.keyRefreshMs ?? 30_000,
    );
    iam.keyRefresh.unref();
    return iam;
  }

  /** Stops the key refresh and closes the shared state (Redis subscription). */
  async close(): Promise<void> {
    clearInterval(this.keyRefresh);
    await this.state.close();
  }

  async tenantIds(): Promise<string[]> {
    return (await this.db.select({ id: tenants.id }).from(tenants)).map((t) => t.id);
  }

  can(principal: Principal | undefined, permission: string | readonly string[]): boolean {
    return isAllowed(principal, permission);
  }

  async createTenant(input: { slug: string; name: string }, by: Actor = SYSTEM): Promise<TenantView> {
    const tenant = await createTenant(this.db, input);
    await this.event(tenant.id, by, 'tenant.create', { slug: tenant.slug });
    return tenant;
  }

  async createUser(
    tenantId: string,
    input: { email: string; password: string; displayName?: string; roles: string[] },
    by: Actor = SYSTEM,
  ): Promise<UserView> {
    const user = await withTenant(this.db, tenantId, (tx) => createUser(tx, tenantId, input));
    await this.event(tenantId, by, 'user.create', { userId: user.id, roles: user.roles });
    return user;
  }

  listUsers(tenantId: string): Promise<UserView[]> {
    return withTenant(this.db, tenantId, (tx) => listUsers(tx));
  }

  async user(tenantId: string, userId: string): Promise<UserView | undefined> {
    const [user] = await withTenant(this.db, tenantId, (tx) => listUsers(tx, userId));
    return user;
  }

  /** Disables a user and ends every session at once (epoch bump, refresh tokens revoked). */
  async disableUser(tenantId: string, userId: string, by: Actor = SYSTEM): Promise<void> {
    const found = await withTenant(this.db, tenantId, async (tx) => {
      const rows = await tx
        .update(users)
        .set({ status: 'disabled', tokenEpoch: sql`${users.tokenEpoch} + 1` })
        .where(eq(users.id, userId))
        .returning({ id: users.id });
      await tx
        .update(refreshTokens)
        .set({ revokedAt: new Date(this.clock.now()) })
        .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
      return rows.length > 0;
    });
    if (!found) throw problems.notFound('No such user');
    await this.directory.invalidate({ type: 'principal', tenantId, subject: userId });
    await this.event(tenantId, by, 'user.disable', { userId });
  }

  async setUserRoles(
    tenantId: string,
    userId: string,
    roles: string[],
    by: Actor = SYSTEM,
  ): Promise<UserView> {
    const user = await this.user(tenantId, userId);
    if (!user) throw problems.notFound('No such user');
    await withTenant(this.db, tenantId, (tx) => setUserRoles(tx, tenantId, userId, roles));
    await this.directory.invalidate({ type: 'principal', tenantId, subject: userId });
    await this.event(tenantId, by, 'role.assign', { userId, from: user.roles, to: [...roles].sort() });
    return { ...user, roles: [...roles].sort() };
  }

  /** Per-tenant and per-role request limits (per minute), overriding the global default. */
  async setTenantRateLimits(tenantId: string, limits: TenantRateLimits, by: Actor = SYSTEM): Promise<void> {
    if (!validRateLimits(limits))
      throw problems.badRequest('Rate limits must be whole numbers of at least 1');
    await withTenant(this.db, tenantId, (tx) =>
      tx
        .insert(tenantSettings)
        .values({ tenantId, key: RATE_LIMIT_SETTING, value: limits })
        .onConflictDoUpdate({
          target: [tenantSettings.tenantId, tenantSettings.key],
          set: { value: limits, updatedAt: new Date(this.clock.now()) },
        }),
    );
    await this.directory.invalidate({ type: 'tenant', tenantId });
    await this.event(tenantId, by, 'rate-limits.change', { ...limits });
  }

  listRoles(tenantId: string): Promise<RoleView[]> {
    return withTenant(this.db, tenantId, (tx) => listRoles(tx));
  }

  async createRole(
    tenantId: string,
    input: { name: string; description?: string; permissions: string[] },
    by: Actor = SYSTEM,
  ): Promise<RoleView> {
    const role = await withTenant(this.db, tenantId, (tx) => createRole(tx, tenantId, input));
    await this.event(tenantId, by, 'role.create', { role: role.name, permissions: role.permissions });
    return role;
  }

  async setRolePermissions(
    tenantId: string,
    name: string,
    permissions: string[],
    by: Actor = SYSTEM,
  ): Promise<void> {
    await withTenant(this.db, tenantId, (tx) => setRolePermissions(tx, tenantId, name, permissions));
    await this.directory.invalidate({ type: 'tenant', tenantId });
    await this.event(tenantId, by, 'role.change', { role: name, permissions });
  }

  async deleteRole(tenantId: string, name: string, by: Actor = SYSTEM): Promise<void> {
    await withTenant(this.db, tenantId, (tx) => deleteRole(tx, name));
    await this.directory.invalidate({ type: 'tenant', tenantId });
    await this.event(tenantId, by, 'role.delete', { role: name });
  }

  async createApiKey(
    tenantId: string,
    input: { serviceAccount: string; roles: string[]; expiresAt?: Date },
    by: Actor = SYSTEM,
  ): Promise<{ key: string; view: ApiKeyView }> {
    const created = await withTenant(this.db, tenantId, (tx) => createApiKey(tx, tenantId, input));
    await this.event(tenantId, by, 'apikey.create', { keyId: created.view.id, prefix: created.view.prefix });
    return created;
  }

  listApiKeys(tenantId: string): Promise<ApiKeyView[]> {
    return withTenant(this.db, tenantId, (tx) => listApiKeys(tx));
  }

  async revokeApiKey(tenantId: string, keyId: string, by: Actor = SYSTEM): Promise<void> {
    const revoked = await withTenant(this.db, tenantId, (tx) =>
      revokeApiKey(tx, keyId, new Date(this.clock.now())),
    );
    if (!revoked) throw problems.notFound('No such API key');
    await this.directory.invalidate({ type: 'tenant', tenantId });
    await this.event(tenantId, by, 'apikey.revoke', { keyId });
  }

  /**
   * Breach response: a new signing key; with `revokeOld` every older key is revoked (its tokens
   * fail at once in every process) and every refresh family is revoked, forcing re-login.
   */
  async rotateKeys(
    revokeOld: boolean,
    by: Actor = SYSTEM,
  ): Promise<RotationResult & { refreshRevoked: number }> {
    const result = await this.keys.rotate(revokeOld);
    await this.state.publish({ type: 'signing-keys' });
    let refreshRevoked = 0;
    if (revokeOld) {
      // Refresh tokens are tenant-owned (FORCE RLS even for the owner): revoke tenant by tenant.
      for (const id of await this.tenantIds()) {
        const rows = await withTenant(this.db, id, (tx) =>
          tx
            .update(refreshTokens)
            .set({ revokedAt: new Date(this.clock.now()) })
            .where(isNull(refreshTokens.revokedAt))
            .returning({ id: refreshTokens.id }),
        );
        refreshRevoked += rows.length;
      }
    }
    await this.event(undefined, by, 'signing-key.rotate', { ...result, refreshRevoked });
    return { ...result, refreshRevoked };
  }

  private event(tenantId: string | undefined, by: Actor, action: string, details: Record<string, unknown>) {
    return this.audit.append({
      tenantId,
      kind: 'event',
      actor: by.actor,
      action,
      decision: 'allow',
      ip: by.ip,
      requestId: by.requestId,
      details,
    });
  }
}
