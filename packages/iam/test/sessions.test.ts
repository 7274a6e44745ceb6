import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { verifyPassword } from '../src/passwords/hashing.js';

// The real verification, observed: which hash each login attempt was checked against.
vi.mock('../src/passwords/hashing.js', async (original) => {
  const actual = await original<typeof import('../src/passwords/hashing.js')>();
  return { ...actual, verifyPassword: vi.fn(actual.verifyPassword) };
});

import { queryAudit } from '../src/audit/query.js';
import { requireTenant } from '../src/directory/tenants.js';
import { bearer, login, PASSWORD, type SeededTenants, startIamApp, type TestIam } from './helpers.js';

describe('login, refresh rotation, logout', () => {
  let t: TestIam;
  let app: FastifyInstance;
  let tenants: SeededTenants;
  let close = async () => {};
  beforeAll(async () => {
    ({ t, app, tenants, close } = await startIamApp());
  });
  afterAll(() => close());

  const post = (url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    app.inject({ method: 'POST', url, payload: payload as object, headers });

  it('login returns an access token and an opaque refresh token naming the tenant', async () => {
    const pair = await login(app, 'acme', 'Analyst@Acme.test');
    expect(pair.expiresIn).toBe(900);
    expect(pair.refreshToken).toMatch(/^parley_rt_[A-Za-z0-9_-]{65}$/);
    const [header, payload] = pair.accessToken
      .split('.')
      .slice(0, 2)
      .map((p) => JSON.parse(Buffer.from(p!, 'base64url').toString()));
    expect(header).toMatchObject({ alg: 'EdDSA', typ: 'at+jwt', kid: expect.any(String) });
    expect(payload).toMatchObject({
      iss: 'https://parley.test',
      aud: 'parley-api',
      sub: tenants.acme.users.analyst,
      tid: tenants.acme.id,
      roles: ['analyst'],
      jti: expect.any(String),
    });
    expect(payload.exp - payload.iat).toBe(900);
    const jwks = (await app.inject('/.well-known/jwks.json')).json();
    expect(jwks.keys.map((k: { kid: string }) => k.kid)).toContain(header.kid);
    expect(JSON.stringify(jwks)).not.toMatch(/"d"/);
  });

  it('refresh rotates: the new pair works, the old refresh token is spent', async () => {
    const first = await login(app, 'acme', 'guest@acme.test');
    const rotated = await post('/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(rotated.statusCode).toBe(200);
    const second = rotated.json();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await app.inject({ url: '/v1/open', headers: bearer(second.accessToken) })).statusCode).toBe(200);
    const third = await post('/v1/auth/refresh', { refreshToken: second.refreshToken });
    expect(third.statusCode).toBe(200);
  });

  it('reusing a rotated refresh token revokes the whole family and is audited', async () => {
    const first = await login(app, 'acme', 'admin@acme.test');
    const second = (await post('/v1/auth/refresh', { refreshToken: first.refreshToken })).json();
    const reuse = await post('/v1/auth/refresh', { refreshToken: first.refreshToken });
    expect(reuse.statusCode).toBe(401);
    // The attacker's (or the victim's) newer token dies with the family.
    expect((await post('/v1/auth/refresh', { refreshToken: second.refreshToken })).statusCode).toBe(401);
    const events = await queryAudit(t.database.db, tenants.acme.id, { action: 'refresh.reuse', limit: 10 });
    expect(events.records).toHaveLength(1);
    expect(events.records[0]).toMatchObject({ decision: 'deny', actor: `user:${tenants.acme.users.admin}` });
    expect(JSON.stringify(events.records)).not.toContain(first.refreshToken);
  });

  it('malformed, unknown and cross-tenant-forged refresh tokens are 401', async () => {
    for (const refreshToken of ['nope', `parley_rt_${'A'.repeat(65)}`, `parley_rt_${'x'.repeat(10)}`]) {
      const res = await post('/v1/auth/refresh', { refreshToken });
      expect(res.statusCode, refreshToken).toBe(401);
    }
    const acme = await login(app, 'acme', 'guest@acme.test');
    // Swap the tenant part for globex's: the lookup runs in globex, where the hash does not exist.
    const globexPart = Buffer.from(tenants.globex.id.replaceAll('-', ''), 'hex').toString('base64url');
    const forged = `parley_rt_${globexPart}${acme.refreshToken.slice(10 + 22)}`;
    expect((await post('/v1/auth/refresh', { refreshToken: forged })).statusCode).toBe(401);
  });

  it('logout ends this session: its refresh family and the presented access token', async () => {
    const pair = await login(app, 'globex', 'analyst@globex.test');
    const out = await post('/v1/auth/logout', { refreshToken: pair.refreshToken }, bearer(pair.accessToken));
    expect(out.statusCode).toBe(204);
    expect((await app.inject({ url: '/v1/reports', headers: bearer(pair.accessToken) })).statusCode).toBe(
      401,
    );
    expect((await post('/v1/auth/refresh', { refreshToken: pair.refreshToken })).statusCode).toBe(401);
  });

  it('logout-all ends every session of the user (token epoch)', async () => {
    const a = await login(app, 'globex', 'admin@globex.test');
    const b = await login(app, 'globex', 'admin@globex.test');
    expect((await app.inject({ url: '/v1/reports', headers: bearer(b.accessToken) })).statusCode).toBe(200);
    expect((await post('/v1/auth/logout-all', undefined, bearer(a.accessToken))).statusCode).toBe(204);
    for (const pair of [a, b]) {
      expect((await app.inject({ url: '/v1/reports', headers: bearer(pair.accessToken) })).statusCode).toBe(
        401,
      );
      expect((await post('/v1/auth/refresh', { refreshToken: pair.refreshToken })).statusCode).toBe(401);
    }
    expect((await post('/v1/auth/logout-all')).statusCode).toBe(401);
    // A fresh login works again.
    const c = await login(app, 'globex', 'admin@globex.test');
    expect((await app.inject({ url: '/v1/reports', headers: bearer(c.accessToken) })).statusCode).toBe(200);
  });

  it('a disabled user is refused at once, with tokens already issued', async () => {
    const pair = await login(app, 'globex', 'guest@globex.test');
    await t.iam.disableUser(tenants.globex.id, tenants.globex.users.guest!);
    expect((await app.inject({ url: '/v1/open', headers: bearer(pair.accessToken) })).statusCode).toBe(200);
    expect(
      (await post('/v1/authz/check', { permission: 'sales:query' }, bearer(pair.accessToken))).statusCode,
    ).toBe(401);
    const again = await post('/v1/auth/login', {
      tenant: 'globex',
      email: 'guest@globex.test',
      password: PASSWORD,
    });
    expect(again.statusCode).toBe(401);
  });
});

describe('login throttling without user enumeration', () => {
  let t: TestIam;
  let app: FastifyInstance;
  let close = async () => {};
  beforeAll(async () => {
    ({ t, app, close } = await startIamApp());
  });
  afterAll(() => close());

  const attempt = (email: string, password: string, tenant = 'acme') =>
    app.inject({ method: 'POST', url: '/v1/auth/login', payload: { tenant, email, password } });

  /**
   * Status, problem body and Retry-After: everything a caller can see except timing (the
   * seconds to wait depend on when each account's first failure happened).
   */
  const visible = (res: Awaited<ReturnType<typeof attempt>>) => ({
    status: res.statusCode,
    body: { ...res.json(), instance: undefined, detail: res.json().detail.replace(/\d+/g, 'N') },
    retryAfter: res.headers['retry-after'] !== undefined,
  });

  it('an existing account and an unknown one answer identically, through lockout', async () => {
    const existing: unknown[] = [];
    const unknown: unknown[] = [];
    for (let i = 0; i < 7; i++) {
      existing.push(visible(await attempt('analyst@acme.test', `wrong-password-${i}`)));
      unknown.push(visible(await attempt('nobody@acme.test', `wrong-password-${i}`)));
    }
    expect(existing).toEqual(unknown);
    expect(existing.slice(0, 5).every((v) => (v as { status: number }).status === 401)).toBe(true);
    expect(existing.slice(5).every((v) => (v as { status: number }).status === 429)).toBe(true);
    // Unknown tenant: same answer too.
    expect(visible(await attempt('analyst@acme.test', 'wrong-password-0', 'nosuchtenant')).body).toEqual(
      (existing[0] as { body: unknown }).body,
    );
  });

  it('a locked account stays locked even for the right password, and the lockout is audited', async () => {
    const res = await attempt('analyst@acme.test', PASSWORD);
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    const acme = await requireTenant(t.database.db, 'acme');
    const events = await queryAudit(t.database.db, acme.id, { action: 'login.lockout', limit: 10 });
    expect(events.records.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(events.records)).not.toContain('wrong-password');
  });

  it('other accounts are unaffected', async () => {
    expect((await attempt('admin@acme.test', PASSWORD)).statusCode).toBe(200);
  });

  it('unknown users and tenants get the same argon2id verification as a wrong password', async () => {
    const verify = vi.mocked(verifyPassword);
    const hashes = async (tenant: string, email: string) => {
      verify.mockClear();
      await attempt(email, 'some-wrong-password-x', tenant);
      return verify.mock.calls.map(([hash]) => hash.slice(0, 31));
    };
    const argon2id = ['$argon2id$v=19$m=19456,t=2,p=1$'];
    expect(await hashes('globex', 'admin@globex.test')).toEqual(argon2id);
    expect(await hashes('globex', 'ghost@globex.test')).toEqual(argon2id);
    expect(await hashes('no-such-tenant', 'ghost@globex.test')).toEqual(argon2id);
  });
});
