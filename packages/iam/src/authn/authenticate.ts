import type { Clock } from '@parley/kit';
import type { Principal } from '@parley/kit/http';
import type { PrincipalDirectory } from '../authz/principals.js';
import { hashOpaque, opaqueTenant } from '../crypto/opaque.js';
import type { SharedState, WindowRequest, WindowResult } from '../shared/state.js';
import { type AccessTokens, TokenRejected } from '../tokens/access-token.js';

/** Rate-limit windows are per minute. */
const MINUTE = 60_000;

/** A principal plus the credential it came with (for revocation and the audit actor). */
export interface IamPrincipal extends Principal {
  /** Requests per minute for this principal when its tenant sets one. */
  rateLimit?: number;
  credential: { type: 'access-token'; jti: string; exp: number } | { type: 'api-key'; keyId: string };
}

export type Authentication =
  | { outcome: 'anonymous' }
  | { outcome: 'authenticated'; principal: IamPrincipal }
  | { outcome: 'rejected'; reason: string };

/** The rate-limit windows a request consumes, given who it turned out to be. */
export type WindowPlan = (principal: IamPrincipal | undefined) => WindowRequest[];

export interface Admitted {
  authentication: Authentication;
  /** The plan's windows for the final principal, up to the first full one. */
  windows: WindowResult[];
}

/**
 * The credential in a request's headers, if any: a Bearer access token or an API key. An API key
 * may also come as `Authorization: Bearer parley_ak_…`, the only header OpenAI-style clients send;
 * the prefix tells it from an access token (a JWT), and it is then checked as any API key.
 */
export function credentialOf(
  headers: Record<string, string | string[] | undefined>,
): { type: 'bearer' | 'api-key'; value: string } | { type: 'malformed' } | undefined {
  const apiKey = headers['x-api-key'];
  const authorization = headers.authorization;
  if (typeof apiKey === 'string') return { type: 'api-key', value: apiKey.trim() };
  if (typeof authorization !== 'string') return undefined;
  const match = /^(Bearer|ApiKey)\s+(\S+)\s*$/i.exec(authorization);
  if (!match) return { type: 'malformed' };
  const value = match[2]!;
  const bearer = match[1]!.toLowerCase() === 'bearer' && !value.startsWith('parley_ak_');
  return { type: bearer ? 'bearer' : 'api-key', value };
}

/**
 * Turns a credential into a principal and admits the request under its rate limits. Access
 * tokens: valid signature and claims, jti not on the deny-list, user active and its token epoch
 * unchanged. API keys: known, not revoked, not expired, service account active. Roles and
 * permissions come from the cached directory, so a role change applies to tokens already issued.
 * The deny-list lookup and the windows go to the shared state together (one Redis round trip);
 * a revoked token consumes nothing and the request is limited as an anonymous one.
 */
export class Authenticator {
  constructor(
    private readonly tokens: AccessTokens,
    private readonly directory: PrincipalDirectory,
    private readonly state: SharedState,
    private readonly clock: Clock,
  ) {}

  async authenticate(
    headers: Record<string, string | string[] | undefined>,
    plan: WindowPlan,
  ): Promise<Admitted> {
    const identified = await this.identify(headers);
    const principal = identified.outcome === 'authenticated' ? identified.principal : undefined;
    const credential = principal?.credential;
    const jti = credential?.type === 'access-token' ? credential.jti : undefined;
    const admission = await this.state.admit({ jti, windows: plan(principal), windowMs: MINUTE });
    if (!admission.tokenDenied) return { authentication: identified, windows: admission.windows };
    const anonymous = await this.state.admit({ windows: plan(undefined), windowMs: MINUTE });
    return { authentication: { outcome: 'rejected', reason: 'token revoked' }, windows: anonymous.windows };
  }

  /** Everything but the deny-list, which `authenticate` checks together with the rate limits. */
  private async identify(headers: Record<string, string | string[] | undefined>): Promise<Authentication> {
    const credential = credentialOf(headers);
    if (!credential) return { outcome: 'anonymous' };
    if (credential.type === 'malformed')
      return { outcome: 'rejected', reason: 'malformed Authorization header' };
    return credential.type === 'bearer' ? this.bearer(credential.value) : this.apiKey(credential.value);
  }

  private async bearer(token: string): Promise<Authentication> {
    let claims: Awaited<ReturnType<AccessTokens['verify']>>;
    try {
      claims = await this.tokens.verify(token);
    } catch (error) {
      return { outcome: 'rejected', reason: error instanceof TokenRejected ? error.reason : 'invalid token' };
    }
    const standing = await this.directory.user(claims.tid, claims.sub);
    if (!standing?.active) return { outcome: 'rejected', reason: 'user not active' };
    if (standing.epoch !== claims.ep) return { outcome: 'rejected', reason: 'token epoch revoked' };
    return {
      outcome: 'authenticated',
      principal: {
        tenantId: claims.tid,
        subject: claims.sub,
        kind: 'user',
        roles: standing.roles,
        permissions: standing.permissions,
        rateLimit: standing.rateLimit,
        credential: { type: 'access-token', jti: claims.jti, exp: claims.exp },
      },
    };
  }

  private async apiKey(key: string): Promise<Authentication> {
    const tenantId = opaqueTenant('parley_ak', key);
    if (!tenantId) return { outcome: 'rejected', reason: 'malformed API key' };
    const standing = await this.directory.apiKey(tenantId, hashOpaque(key));
    if (!standing?.usable) return { outcome: 'rejected', reason: 'unknown or revoked API key' };
    if (standing.expiresAt !== null && standing.expiresAt <= this.clock.now())
      return { outcome: 'rejected', reason: 'API key expired' };
    return {
      outcome: 'authenticated',
      principal: {
        tenantId,
        subject: standing.serviceAccountId,
        kind: 'service',
        roles: standing.roles,
        permissions: standing.permissions,
        rateLimit: standing.rateLimit,
        credential: { type: 'api-key', keyId: standing.keyId },
      },
    };
  }
}

export function actorOf(principal: Principal | undefined): string {
  if (!principal) return 'anonymous';
  const credential = (principal as Partial<IamPrincipal>).credential;
  if (credential?.type === 'api-key') return `apikey:${credential.keyId}`;
  return `${principal.kind}:${principal.subject}`;
}
