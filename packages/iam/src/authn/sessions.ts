import { createHash } from 'node:crypto';
import { type Db, type Tx, tenants, withTenant } from '@parley/db';
import { type Clock, newId, problems } from '@parley/kit';
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { AuditLog } from '../audit/log.js';
import type { PrincipalDirectory } from '../authz/principals.js';
import { hashOpaque, newOpaqueToken, opaqueTenant } from '../crypto/opaque.js';
import { findUserByEmail, userRoleNames } from '../directory/users.js';
import { dummyHash, verifyPassword } from '../passwords/hashing.js';
import { refreshTokens, users } from '../schema/iam.js';
import type { SharedState } from '../shared/state.js';
import type { AccessTokens } from '../tokens/access-token.js';

export interface TokenPair {
  accessToken: string;
  tokenType: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn: number;
  refreshToken: string;
  refreshExpiresIn: number;
}

export interface LoginThrottle {
  /** Failed logins per account (tenant + email, existing or not) before a temporary lockout. */
  accountFailures: number;
  /** Failed logins from one IP address before it is locked out. */
  ipFailures: number;
  windowMs: number;
}

export interface SessionOptions {
  refreshTtlMs: number;
  throttle: LoginThrottle;
}

export interface RequestOrigin {
  ip: string;
  userAgent?: string;
  requestId?: string;
}

/** One answer for unknown tenant, unknown user, wrong password and disabled user. */
const invalidCredentials = () => problems.unauthorized('Invalid tenant, email or password');
const invalidRefresh = () => problems.unauthorized('The refresh token is invalid, expired or revoked');

/**
 * Sign-in and the refresh-token lifecycle: login with throttling, refresh with rotation and
 * reuse detection, logout of one session or all of a user's sessions.
 */
export class Sessions {
  constructor(
    private readonly db: Db,
    private readonly tokens: AccessTokens,
    private readonly directory: PrincipalDirectory,
    private readonly state: SharedState,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly options: SessionOptions,
  ) {}

  /**
   * Lockout counters are keyed by tenant slug and email whether or not such a user exists, and
   * an unknown user costs the same argon2 verification (against a dummy hash): the answers and
   * their timing do not tell which accounts exist.
   */
  async login(
    input: { tenant: string; email: string; password: string },
    origin: RequestOrigin,
  ): Promise<{
    pair: TokenPair;
    tenantId: string;
    userId: string;
  }> {
    const { throttle } = this.options;
    const email = input.email.trim().toLowerCase();
    const accountKey = `login-fail:acct:${createHash('sha256').update(`${input.tenant}\n${email}`).digest('hex')}`;
    const ipKey = `login-fail:ip:${origin.ip}`;
    const [tenant] = await this.db
      .select({ id: tenants.id, status: tenants.status })
      .from(tenants)
      .where(eq(tenants.slug, input.tenant));
    const auditTenant = tenant?.id;
    const [account, ip] = await Promise.all([
      this.state.slidingWindow(accountKey, throttle.accountFailures, throttle.windowMs, false),
      this.state.slidingWindow(ipKey, throttle.ipFailures, throttle.windowMs, false),
    ]);
    if (!account.allowed || !ip.allowed) {
      await this.event(auditTenant, 'anonymous', 'login.throttled', 'deny', origin, {
        email,
        scope: account.allowed ? 'ip' : 'account',
      });
      const retry = Math.max(account.allowed ? 0 : account.resetMs, ip.allowed ? 0 : ip.resetMs);
      throw problems.tooManyRequests(Math.max(1, Math.ceil(retry / 1000)));
    }

    const outcome = tenant
      ? await withTenant(this.db, tenant.id, async (tx) => {
          const user = await findUserByEmail(tx, email);
          const ok = await verifyPassword(user?.passwordHash ?? (await dummyHash()), input.password);
          if (!user || !ok || user.status !== 'active' || tenant.status !== 'active') {
            if (user)
              await tx
                .update(users)
                .set({ failedLogins: sql`${users.failedLogins} + 1` })
                .where(eq(users.id, user.id));
            return { ok: false as const, userId: user?.id };
          }
          await tx
            .update(users)
            .set({ failedLogins: 0, lockedUntil: null, lastLoginAt: new Date(this.clock.now()) })
            .where(eq(users.id, user.id));
          const pair = await this.issue(tx, tenant.id, user.id, newId());
          return { ok: true as const, userId: user.id, pair };
        })
      : await this.unknownTenant(input.password);

    if (!outcome.ok) {
      const [afterAccount] = await Promise.all([
        this.state.slidingWindow(accountKey, throttle.accountFailures, throttle.windowMs, true),
        this.state.slidingWindow(ipKey, throttle.ipFailures, throttle.windowMs, true),
      ]);
      await this.event(auditTenant, 'anonymous', 'login.failure', 'deny', origin, { email });
      if (afterAccount.remaining === 0) {
        if (tenant && outcome.userId)
          await this.recordLockout(tenant.id, outcome.userId, afterAccount.resetMs);
        await this.event(auditTenant, 'anonymous', 'login.lockout', 'deny', origin, {
          email,
          lockedForSeconds: Math.ceil(afterAccount.resetMs / 1000),
        });
      }
      throw invalidCredentials();
    }
    await this.state.resetWindow(accountKey);
    await this.event(tenant!.id, `user:${outcome.userId}`, 'login.success', 'allow', origin, {});
    return { pair: outcome.pair!, tenantId: tenant!.id, userId: outcome.userId };
  }

  /** Exchanges a refresh token for a new pair. A token used twice revokes its whole family. */
  async refresh(
    refreshToken: string,
    origin: RequestOrigin,
  ): Promise<{ pair: TokenPair; tenantId: string; userId: string }> {
    const tenantId = opaqueTenant('parley_rt', refreshToken);
    if (!tenantId) throw invalidRefresh();
    const hash = hashOpaque(refreshToken);
    const result = await withTenant(this.db, tenantId, async (tx) => {
      const [row] = await tx
        .select()
        .from(refreshTokens)
        .where(eq(refreshTokens.tokenHash, hash))
        .for('update');
      if (!row || row.revokedAt) return { kind: 'invalid' as const };
      if (row.rotatedAt) {
        await tx
          .update(refreshTokens)
          .set({ revokedAt: new Date(this.clock.now()) })
          .where(and(eq(refreshTokens.familyId, row.familyId), isNull(refreshTokens.revokedAt)));
        return { kind: 'reuse' as const, userId: row.userId, familyId: row.familyId };
      }
      if (row.expiresAt.getTime() <= this.clock.now()) return { kind: 'invalid' as const };
      await tx
        .update(refreshTokens)
        .set({ rotatedAt: new Date(this.clock.now()) })
        .where(eq(refreshTokens.id, row.id));
      const [user] = await tx.select({ status: users.status }).from(users).where(eq(users.id, row.userId));
      if (user?.status !== 'active') return { kind: 'invalid' as const };
      return {
        kind: 'ok' as const,
        userId: row.userId,
        pair: await this.issue(tx, tenantId, row.userId, row.familyId),
      };
    });
    if (result.kind === 'reuse') {
      await this.event(tenantId, `user:${result.userId}`, 'refresh.reuse', 'deny', origin, {
        familyId: result.familyId,
        response: 'family revoked',
      });
    }
    if (result.kind !== 'ok') throw invalidRefresh();
    return { pair: result.pair, tenantId, userId: result.userId };
  }

  /** Ends one session: its refresh family, and the access token presented with the call. */
  async logout(refreshToken: string | undefined, accessToken?: { jti: string; exp: number }): Promise<void> {
    if (accessToken) await this.denyAccessToken(accessToken);
    const tenantId = refreshToken ? opaqueTenant('parley_rt', refreshToken) : undefined;
    if (!refreshToken || !tenantId) return;
    const hash = hashOpaque(refreshToken);
    await withTenant(this.db, tenantId, async (tx) => {
      const [row] = await tx.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hash));
      if (!row) return;
      await tx
        .update(refreshTokens)
        .set({ revokedAt: new Date(this.clock.now()) })
        .where(and(eq(refreshTokens.familyId, row.familyId), isNull(refreshTokens.revokedAt)));
    });
  }

  /** Ends every session of a user: bumps the token epoch and revokes every refresh token. */
  async logoutAll(tenantId: string, userId: string): Promise<void> {
    await withTenant(this.db, tenantId, async (tx) => {
      await tx
        .update(users)
        .set({ tokenEpoch: sql`${users.tokenEpoch} + 1` })
        .where(eq(users.id, userId));
      await tx
        .update(refreshTokens)
        .set({ revokedAt: new Date(this.clock.now()) })
        .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)));
    });
    await this.directory.invalidate({ type: 'principal', tenantId, subject: userId });
  }

  /** Puts one access token on the deny-list until it would have expired anyway. */
  async denyAccessToken(token: { jti: string; exp: number }): Promise<void> {
    const ttl = token.exp * 1000 - this.clock.now();
    if (ttl > 0) await this.state.denyToken(token.jti, ttl);
  }

  private async issue(tx: Tx, tenantId: string, userId: string, familyId: string): Promise<TokenPair> {
    // Inside the caller's transaction: PGlite has one connection, a second transaction would wait forever.
    const [user] = await tx.select({ epoch: users.tokenEpoch }).from(users).where(eq(users.id, userId));
    const access = await this.tokens.issue({
      userId,
      tenantId,
      roles: await userRoleNames(tx, userId),
      epoch: user?.epoch ?? 0,
    });
    const refresh = newOpaqueToken('parley_rt', tenantId);
    await tx.insert(refreshTokens).values({
      id: newId(),
      tenantId,
      userId,
      familyId,
      tokenHash: refresh.hash,
      expiresAt: new Date(this.clock.now() + this.options.refreshTtlMs),
    });
    return {
      accessToken: access.token,
      tokenType: 'Bearer',
      expiresIn: Math.floor(this.tokens.ttlMs / 1000),
      refreshToken: refresh.token,
      refreshExpiresIn: Math.floor(this.options.refreshTtlMs / 1000),
    };
  }

  /** The same argon2 work as a real attempt, so an unknown tenant is not answered faster. */
  private async unknownTenant(password: string) {
    await verifyPassword(await dummyHash(), password);
    return { ok: false as const, userId: undefined, pair: undefined };
  }

  private async recordLockout(tenantId: string, userId: string, resetMs: number): Promise<void> {
    await withTenant(this.db, tenantId, (tx) =>
      tx
        .update(users)
        .set({ lockedUntil: new Date(this.clock.now() + resetMs) })
        .where(eq(users.id, userId)),
    );
  }

  private event(
    tenantId: string | undefined,
    actor: string,
    action: string,
    decision: 'allow' | 'deny',
    origin: RequestOrigin,
    details: Record<string, unknown>,
  ): Promise<void> {
    return this.audit.append({
      tenantId,
      kind: 'event',
      actor,
      action,
      decision,
      ip: origin.ip,
      userAgent: origin.userAgent,
      requestId: origin.requestId,
      details,
    });
  }
}
