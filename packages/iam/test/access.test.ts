import { createHmac, generateKeyPairSync } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, login, type SeededTenants, startIamApp, type TestIam } from './helpers.js';

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('access tokens: attacks are all 401', () => {
  let t: TestIam;
  let app: FastifyInstance;
  let tenants: SeededTenants;
  let close = async () => {};
  beforeAll(async () => {
    ({ t, app, tenants, close } = await startIamApp());
  });
  afterAll(() => close());

  const now = () => Math.floor(Date.now() / 1000);
  const claims = () => ({
    iss: 'https://parley.test',
    aud: 'parley-api',
    sub: tenants.acme.users.admin,
    tid: tenants.acme.id,
    roles: ['admin'],
    ep: 0,
    jti: crypto.randomUUID(),
    iat: now(),
    exp: now() + 600,
  });

  /** Signs with the real active key, so only the named defect makes the token bad. */
  async function forge(
    overrides: Record<string, unknown> = {},
    header: Record<string, unknown> = {},
  ): Promise<string> {
    const { kid, privateKey } = t.iam.keys.signingKey();
    return new SignJWT({ ...claims(), ...overrides })
      .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt', ...header })
      .sign(privateKey);
  }

  const status = async (token: string) => {
    const res = await app.inject({ url: '/v1/reports', headers: bearer(token) });
    if (res.statusCode === 401)
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="parley", error="invalid_token"/);
    return res.statusCode;
  };

  it('the control: a correctly forged token with the real key is accepted', async () => {
    expect(await status(await forge())).toBe(200);
  });

  it('rejects every tampered, misdirected or stale token', async () => {
    const kid = t.iam.keys.signingKey().kid;
    const valid = await forge();
    const [h, p, s] = valid.split('.');
    const publicJwk = t.iam.keys.jwks().keys.find((k) => k.kid === kid)!;
    const hs256Header = b64({ alg: 'HS256', kid, typ: 'at+jwt' });
    const hs256Body = `${hs256Header}.${p}`;
    const hs256 = (secret: Buffer | string) =>
      `${hs256Body}.${createHmac('sha256', secret).update(hs256Body).digest('base64url')}`;
    const other = generateKeyPairSync('ed25519');
    const cases: Record<string, string> = {
      'alg none': `${b64({ alg: 'none', kid, typ: 'at+jwt' })}.${p}.`,
      'HS256 keyed with the public key (raw)': hs256(Buffer.from(publicJwk.x, 'base64url')),
      'HS256 keyed with the public JWK': hs256(JSON.stringify(publicJwk)),
      expired: await forge({ iat: now() - 1200, exp: now() - 600 }),
      'not yet valid (nbf)': await forge({ nbf: now() + 600 }),
      'wrong issuer': await forge({ iss: 'https://evil.test' }),
      'wrong audience': await forge({ aud: 'another-api' }),
      'wrong typ (an id token)': await forge({}, { typ: 'JWT' }),
      'no typ': await forge({}, { typ: undefined }),
      'unknown kid': await new SignJWT(claims())
        .setProtectedHeader({ alg: 'EdDSA', kid: 'not-a-key', typ: 'at+jwt' })
        .sign(other.privateKey),
      'own key, real kid': await new SignJWT(claims())
        .setProtectedHeader({ alg: 'EdDSA', kid, typ: 'at+jwt' })
        .sign(other.privateKey),
      'tampered payload (other tenant)': `${h}.${b64({ ...JSON.parse(Buffer.from(p!, 'base64url').toString()), tid: tenants.globex.id })}.${s}`,
      'tampered signature': `${h}.${p}.${s!.slice(0, -4)}AAAA`,
      'missing tenant claim': await forge({ tid: undefined }),
      'missing jti': await forge({ jti: undefined }),
      'wrong epoch': await forge({ ep: 7 }),
      'user of another tenant under this tenant': await forge({ sub: tenants.globex.users.admin }),
      garbage: 'not.a.jwt',
      empty: '',
    };
    for (const [name, token] of Object.entries(cases)) expect(await status(token), name).toBe(401);
    const malformed = await app.inject({ url: '/v1/reports', headers: { authorization: 'Basic abc' } });
    expect(malformed.statusCode).toBe(401);
  });

  it('a revoked jti is 401 until it would have expired', async () => {
    const pair = await login(app, 'acme', 'analyst@acme.test');
    expect(await status(pair.accessToken)).toBe(200);
    await app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: bearer(pair.accessToken),
      payload: {},
    });
    expect(await status(pair.accessToken)).toBe(401);
  });

  it('a token of a revoked signing key is 401 at once and the key leaves the JWKS', async () => {
    const pair = await login(app, 'acme', 'admin@acme.test');
    const oldKid = t.iam.keys.signingKey().kid;
    expect(await status(pair.accessToken)).toBe(200);
    const rotation = await t.iam.rotateKeys(true);
    expect(rotation.revoked).toEqual([oldKid]);
    expect(rotation.refreshRevoked).toBeGreaterThan(0);
    expect(await status(pair.accessToken)).toBe(401);
    const refresh = await app.inject({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: pair.refreshToken },
    });
    expect(refresh.statusCode).toBe(401);
    const kids = (await app.inject('/.well-known/jwks.json')).json().keys.map((k: { kid: string }) => k.kid);
    expect(kids).toEqual([rotation.kid]);
    expect(await status((await login(app, 'acme', 'admin@acme.test')).accessToken)).toBe(200);
  });

  it('a cached verification does not outlive a revoked jti, user epoch or signing key', async () => {
    const byJti = await login(app, 'acme', 'analyst@acme.test');
    const byEpoch = await login(app, 'acme', 'admin@acme.test');
    const byKey = await login(app, 'acme', 'analyst@acme.test');
    for (const pair of [byJti, byEpoch, byKey]) {
      expect(await status(pair.accessToken)).toBe(200);
      // Verified once: the same claims object comes back from the cache.
      expect(await t.iam.tokens.verify(pair.accessToken)).toBe(await t.iam.tokens.verify(pair.accessToken));
    }
    await app.inject({
      method: 'POST',
      url: '/v1/auth/logout',
      headers: bearer(byJti.accessToken),
      payload: {},
    });
    // Still a cache hit (the signature did not change), yet the request is refused.
    await expect(t.iam.tokens.verify(byJti.accessToken)).resolves.toMatchObject({
      sub: tenants.acme.users.analyst,
    });
    expect(await status(byJti.accessToken)).toBe(401);
    const logoutAll = await app.inject({
      method: 'POST',
      url: '/v1/auth/logout-all',
      headers: bearer(byEpoch.accessToken),
    });
    expect(logoutAll.statusCode).toBeLessThan(300);
    expect(await status(byEpoch.accessToken)).toBe(401);
    expect(await status(byKey.accessToken)).toBe(200);
    await t.iam.rotateKeys(true);
    await expect(t.iam.tokens.verify(byKey.accessToken)).rejects.toThrow(/unknown or revoked kid/);
    expect(await status(byKey.accessToken)).toBe(401);
  });

  it('a plain rotation keeps old tokens valid until they expire', async () => {
    const pair = await login(app, 'acme', 'admin@acme.test');
    const rotation = await t.iam.rotateKeys(false);
    expect(rotation.retired).toHaveLength(1);
    expect(await status(pair.accessToken)).toBe(200);
    expect((await app.inject('/.well-known/jwks.json')).json().keys).toHaveLength(2);
  });
});

describe('authorization: 401, 403, 404 and API keys', () => {
  let t: TestIam;
  let app: FastifyInstance;
  let tenants: SeededTenants;
  let close = async () => {};
  beforeAll(async () => {
    ({ t, app, tenants, close } = await startIamApp());
  });
  afterAll(() => close());

  it('401 without credentials, 403 without the permission, 200 with it', async () => {
    const none = await app.inject('/v1/reports');
    expect(none.statusCode).toBe(401);
    expect(none.headers['www-authenticate']).toBe('Bearer realm="parley"');
    const guest = await login(app, 'acme', 'guest@acme.test');
    const denied = await app.inject({ url: '/v1/reports', headers: bearer(guest.accessToken) });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().type).toBe('urn:parley:problem:forbidden');
    const analyst = await login(app, 'acme', 'analyst@acme.test');
    const ok = await app.inject({ url: '/v1/reports', headers: bearer(analyst.accessToken) });
    expect(ok.json()).toEqual({ tenant: tenants.acme.id });
  });

  it("another tenant's object is 404, exactly like a missing one", async () => {
    const admin = await login(app, 'acme', 'admin@acme.test');
    const own = await app.inject({
      url: `/v1/users/${tenants.acme.users.guest}`,
      headers: bearer(admin.accessToken),
    });
    expect(own.statusCode).toBe(200);
    const foreign = await app.inject({
      url: `/v1/users/${tenants.globex.users.guest}`,
      headers: bearer(admin.accessToken),
    });
    const missing = await app.inject({
      url: `/v1/users/${crypto.randomUUID()}`,
      headers: bearer(admin.accessToken),
    });
    expect(foreign.statusCode).toBe(404);
    expect({ ...foreign.json(), instance: 0 }).toEqual({ ...missing.json(), instance: 0 });
    const disable = await app.inject({
      method: 'POST',
      url: `/v1/users/${tenants.globex.users.guest}/disable`,
      headers: bearer(admin.accessToken),
    });
    expect(disable.statusCode).toBe(404);
  });

  it('role changes apply to tokens already issued (effective permissions, not token claims)', async () => {
    const guest = await login(app, 'globex', 'guest@globex.test');
    expect((await app.inject({ url: '/v1/reports', headers: bearer(guest.accessToken) })).statusCode).toBe(
      403,
    );
    await t.iam.setUserRoles(tenants.globex.id, tenants.globex.users.guest!, ['analyst']);
    expect((await app.inject({ url: '/v1/reports', headers: bearer(guest.accessToken) })).statusCode).toBe(
      200,
    );
    await t.iam.setUserRoles(tenants.globex.id, tenants.globex.users.guest!, ['guest']);
    expect((await app.inject({ url: '/v1/reports', headers: bearer(guest.accessToken) })).statusCode).toBe(
      403,
    );
  });

  it('custom roles grant exactly their permissions; unknown permissions are refused', async () => {
    const admin = await login(app, 'acme', 'admin@acme.test');
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/roles',
      headers: bearer(admin.accessToken),
      payload: { name: 'reporter', permissions: ['reports:generate', 'root:everything'] },
    });
    expect(bad.statusCode).toBe(400);
    const created = await app.inject({
      method: 'POST',
      url: '/v1/roles',
      headers: bearer(admin.accessToken),
      payload: { name: 'reporter', permissions: ['reports:generate'] },
    });
    expect(created.statusCode).toBe(201);
    await t.iam.setUserRoles(tenants.acme.id, tenants.acme.users.guest!, ['reporter']);
    const guest = await login(app, 'acme', 'guest@acme.test');
    expect((await app.inject({ url: '/v1/reports', headers: bearer(guest.accessToken) })).statusCode).toBe(
      200,
    );
    await t.iam.setRolePermissions(tenants.acme.id, 'reporter', ['suggest:read']);
    expect((await app.inject({ url: '/v1/reports', headers: bearer(guest.accessToken) })).statusCode).toBe(
      403,
    );
    await t.iam.setUserRoles(tenants.acme.id, tenants.acme.users.guest!, ['guest']);
  });

  it('API keys: shown once, stored hashed, scoped to roles, revocable, expiring', async () => {
    const admin = await login(app, 'acme', 'admin@acme.test');
    const created = await app.inject({
      method: 'POST',
      url: '/v1/apikeys',
      headers: bearer(admin.accessToken),
      payload: { serviceAccount: 'report-bot', roles: ['analyst'] },
    });
    expect(created.statusCode).toBe(201);
    const { key, id, prefix } = created.json();
    expect(key).toMatch(/^parley_ak_/);
    expect(prefix).toBe(`parley_ak_…${key.slice(10 + 22, 10 + 22 + 8)}`);
    const listed = await app.inject({ url: '/v1/apikeys', headers: bearer(admin.accessToken) });
    expect(listed.body).not.toContain(key);
    expect((await app.inject({ url: '/v1/reports', headers: { 'x-api-key': key } })).json()).toEqual({
      tenant: tenants.acme.id,
    });
    expect(
      (await app.inject({ url: '/v1/reports', headers: { authorization: `ApiKey ${key}` } })).statusCode,
    ).toBe(200);
    // OpenAI-style clients can only send `Authorization: Bearer <key>`.
    expect((await app.inject({ url: '/v1/reports', headers: bearer(key) })).statusCode).toBe(200);
    expect((await app.inject({ url: '/v1/users', headers: { 'x-api-key': key } })).statusCode).toBe(403);
    const used = (await app.inject({ url: '/v1/apikeys', headers: bearer(admin.accessToken) })).json();
    expect(used.apiKeys.find((k: { id: string }) => k.id === id).lastUsedAt).toEqual(expect.any(String));
    const revoke = await app.inject({
      method: 'DELETE',
      url: `/v1/apikeys/${id}`,
      headers: bearer(admin.accessToken),
    });
    expect(revoke.statusCode).toBe(204);
    expect((await app.inject({ url: '/v1/reports', headers: { 'x-api-key': key } })).statusCode).toBe(401);
    expect((await app.inject({ url: '/v1/reports', headers: bearer(key) })).statusCode).toBe(401);

    const expiring = await t.iam.createApiKey(tenants.acme.id, {
      serviceAccount: 'report-bot',
      roles: ['analyst'],
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(
      (await app.inject({ url: '/v1/reports', headers: { 'x-api-key': expiring.key } })).statusCode,
    ).toBe(401);
    const tampered = `${key.slice(0, -2)}xx`;
    expect((await app.inject({ url: '/v1/reports', headers: { 'x-api-key': tampered } })).statusCode).toBe(
      401,
    );
    expect((await app.inject({ url: '/v1/reports', headers: bearer(tampered) })).statusCode).toBe(401);
  });

  it('POST /v1/authz/check answers for the caller, or for a user of the same tenant with users:manage', async () => {
    const analyst = await login(app, 'acme', 'analyst@acme.test');
    const check = (token: string, body: object) =>
      app.inject({ method: 'POST', url: '/v1/authz/check', headers: bearer(token), payload: body });
    expect((await check(analyst.accessToken, { permission: 'sales:query_detail' })).json()).toMatchObject({
      allowed: true,
      roles: ['analyst'],
    });
    expect(
      (await check(analyst.accessToken, { permission: ['sales:query', 'audit:read'] })).json().allowed,
    ).toBe(false);
    expect(
      (await check(analyst.accessToken, { permission: 'audit:read', userId: tenants.acme.users.admin }))
        .statusCode,
    ).toBe(403);
    const admin = await login(app, 'acme', 'admin@acme.test');
    expect(
      (await check(admin.accessToken, { permission: 'audit:read', userId: tenants.acme.users.guest })).json(),
    ).toMatchObject({
      allowed: false,
      roles: ['guest'],
    });
    expect(
      (await check(admin.accessToken, { permission: 'audit:read', userId: tenants.globex.users.admin }))
        .statusCode,
    ).toBe(404);
    expect(
      (await app.inject({ method: 'POST', url: '/v1/authz/check', payload: { permission: 'x:y' } }))
        .statusCode,
    ).toBe(401);
  });
});
