import { hash } from 'node:crypto';
import { type Clock, newId } from '@parley/kit';
import { errors, jwtVerify, SignJWT } from 'jose';
import { RecentMap } from './recent-map.js';
import { type KeyRing, SIGNING_ALG } from './signing-keys.js';

export const ACCESS_TOKEN_TYPE = 'at+jwt';

/** The claims Parley puts in an access token (RFC 9068 shape plus tenant and token epoch). */
export interface AccessClaims {
  sub: string;
  /** Tenant id. */
  tid: string;
  roles: string[];
  jti: string;
  iat: number;
  exp: number;
  /** The user's token epoch at issue time; a later epoch invalidates the token. */
  ep: number;
}

export class TokenRejected extends Error {
  constructor(readonly reason: string) {
    super(`access token rejected: ${reason}`);
    this.name = 'TokenRejected';
  }
}

export interface AccessTokenOptions {
  issuer: string;
  audience: string;
  ttlMs: number;
}

/** Verified tokens remembered, so a client's repeated calls pay for one signature check. */
const VERIFIED_CACHE_SIZE = 10_000;

interface Verified {
  claims: AccessClaims;
  /** The key that signed it: the entry is void as soon as that key is revoked. */
  kid: string;
}

/** Issues and verifies EdDSA access tokens (RFC 9068 `at+jwt`). */
export class AccessTokens {
  /**
   * SHA-256 of the token text → what its verification found, most recently used kept. The same
   * bytes verify the same way, so a hit repeats only what depends on time or on the key ring:
   * expiry, and that the signing key is still trusted (also dropped whole on every key set
   * change). Revocation by jti or user epoch is the caller's check, on every request.
   */
  private readonly verified = new RecentMap<Verified>(VERIFIED_CACHE_SIZE);

  constructor(
    private readonly keys: KeyRing,
    private readonly options: AccessTokenOptions,
    private readonly clock: Clock,
  ) {
    keys.onChange(() => this.verified.clear());
  }

  get ttlMs(): number {
    return this.options.ttlMs;
  }

  async issue(subject: { userId: string; tenantId: string; roles: string[]; epoch: number }): Promise<{
    token: string;
    claims: AccessClaims;
  }> {
    const { kid, privateKey } = this.keys.signingKey();
    const iat = Math.floor(this.clock.now() / 1000);
    const claims: AccessClaims = {
      sub: subject.userId,
      tid: subject.tenantId,
      roles: subject.roles,
      jti: newId(),
      iat,
      exp: iat + Math.floor(this.options.ttlMs / 1000),
      ep: subject.epoch,
    };
    const token = await new SignJWT({ tid: claims.tid, roles: claims.roles, ep: claims.ep })
      .setProtectedHeader({ alg: SIGNING_ALG, kid, typ: ACCESS_TOKEN_TYPE })
      .setIssuer(this.options.issuer)
      .setAudience(this.options.audience)
      .setSubject(claims.sub)
      .setJti(claims.jti)
      .setIssuedAt(claims.iat)
      .setExpirationTime(claims.exp)
      .sign(privateKey);
    return { token, claims };
  }

  /**
   * Signature by a known, non-revoked key; only EdDSA (no `none`, no HMAC with a public key as
   * secret); `typ`, `iss`, `aud`, `exp`, `nbf` checked; every claim Parley relies on present.
   */
  async verify(token: string): Promise<AccessClaims> {
    const digest = hash('sha256', token, 'base64url');
    const cached = this.verified.get(digest);
    if (cached) {
      if (cached.claims.exp * 1000 > this.clock.now() && this.keys.publicKey(cached.kid))
        return cached.claims;
      this.verified.delete(digest);
    }
    const verified = await this.verifySignatureAndClaims(token);
    this.verified.set(digest, verified);
    return verified.claims;
  }

  private async verifySignatureAndClaims(token: string): Promise<Verified> {
    try {
      const { payload, protectedHeader } = await jwtVerify(
        token,
        async (header) => {
          const kid = header.kid;
          if (typeof kid !== 'string') throw new TokenRejected('no kid');
          const key =
            this.keys.publicKey(kid) ?? ((await this.keys.reloadIfStale(5_000)) && this.keys.publicKey(kid));
          if (!key) throw new TokenRejected('unknown or revoked kid');
          return key;
        },
        {
          algorithms: [SIGNING_ALG],
          issuer: this.options.issuer,
          audience: this.options.audience,
          typ: ACCESS_TOKEN_TYPE,
          requiredClaims: ['sub', 'jti', 'iat', 'exp'],
          currentDate: new Date(this.clock.now()),
        },
      );
      const { sub, jti, iat, exp, tid, roles, ep } = payload;
      if (
        typeof tid !== 'string' ||
        typeof ep !== 'number' ||
        !Array.isArray(roles) ||
        !roles.every((r) => typeof r === 'string')
      ) {
        throw new TokenRejected('malformed claims');
      }
      return {
        claims: {
          sub: sub as string,
          jti: jti as string,
          iat: iat as number,
          exp: exp as number,
          tid,
          roles,
          ep,
        },
        kid: protectedHeader.kid as string,
      };
    } catch (error) {
      if (error instanceof TokenRejected) throw error;
      if (error instanceof errors.JOSEError) throw new TokenRejected(error.code);
      throw new TokenRejected('malformed token');
    }
  }
}
