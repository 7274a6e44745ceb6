import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import type { Clock } from '@parley/kit';
import {
  installProblemHandlers,
  installStrictValidation,
  requestIdFrom,
  requireDeclaredAccess,
} from '@parley/kit/http';
import Fastify, { type FastifyInstance } from 'fastify';
import { MasterKey } from '../src/crypto/master-key.js';
import { installAccessControl } from '../src/http/pipeline.js';
import { iamRoutes } from '../src/http/plugin.js';
import { Iam, type IamOptions } from '../src/iam.js';
import { MemoryState } from '../src/shared/memory.js';
import type { SharedState } from '../src/shared/state.js';

export const PASSWORD = 'tidal-ferret-copper-92';

export interface TestIam {
  iam: Iam;
  database: TestDatabase;
  close(): Promise<void>;
}

export function iamOptions(database: TestDatabase, state: SharedState, clock?: Clock): IamOptions {
  return {
    db: database.db,
    state,
    masterKey: MasterKey.random(),
    clock,
    issuer: 'https://parley.test',
    audience: 'parley-api',
    accessTtlMs: 15 * 60_000,
    refreshTtlMs: 7 * 86_400_000,
    rateLimits: { userPerMinute: 1000, anonymousPerMinute: 1000, authPerMinute: 1000 },
    throttle: { accountFailures: 5, ipFailures: 50, windowMs: 15 * 60_000 },
  };
}

/** An IAM on a fresh test database (PGlite, or PostgreSQL when DATABASE_URL is set). */
export async function createTestIam(overrides: Partial<IamOptions> = {}): Promise<TestIam> {
  const database = await createTestDatabase();
  const state = overrides.state ?? new MemoryState(overrides.clock);
  const iam = await Iam.open({ ...iamOptions(database, state, overrides.clock), ...overrides });
  return {
    iam,
    database,
    async close() {
      await iam.close();
      await database.close();
    },
  };
}

/** Two tenants with an admin, an analyst and a guest each. */
export async function seedTenants(iam: Iam) {
  const result: Record<string, { id: string; users: Record<string, string> }> = {};
  for (const slug of ['acme', 'globex']) {
    const tenant = await iam.createTenant({ slug, name: slug });
    const users: Record<string, string> = {};
    for (const role of ['admin', 'analyst', 'guest']) {
      const user = await iam.createUser(tenant.id, {
        email: `${role}@${slug}.test`,
        password: PASSWORD,
        roles: [role],
      });
      users[role] = user.id;
    }
    result[slug] = { id: tenant.id, users };
  }
  return result as {
    acme: { id: string; users: Record<string, string> };
    globex: { id: string; users: Record<string, string> };
  };
}

/**
 * A Fastify app as the server composes it (strict validation, problem+json, deny by default)
 * with the IAM pipeline and routes, plus a few sample routes a product module would declare.
 */
export async function createTestHttp(
  iam: Iam,
  extra?: (app: FastifyInstance) => void,
): Promise<FastifyInstance> {
  const app = Fastify({ genReqId: requestIdFrom });
  installStrictValidation(app);
  installProblemHandlers(app);
  requireDeclaredAccess(app);
  installAccessControl(app, iam);
  await app.register(iamRoutes(iam));
  app.get('/v1/reports', { config: { permission: 'reports:generate' } }, async (request) => ({
    tenant: request.principal?.tenantId,
  }));
  app.get('/v1/open', { config: { public: true } }, async () => ({ ok: true }));
  app.get('/v1/boom', { config: { public: true } }, async () => {
    throw new Error('kaboom');
  });
  extra?.(app);
  await app.ready();
  return app;
}

export async function login(app: FastifyInstance, tenant: string, email: string, password = PASSWORD) {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { tenant, email, password },
  });
  if (res.statusCode !== 200) throw new Error(`login ${email}: ${res.statusCode} ${res.body}`);
  return res.json() as { accessToken: string; refreshToken: string; expiresIn: number };
}

export const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

export type SeededTenants = Awaited<ReturnType<typeof seedTenants>>;

/** The set-up most IAM suites share: an IAM on a fresh database, the demo tenants, and its HTTP app. */
export async function startIamApp(overrides: Partial<IamOptions> = {}) {
  const t = await createTestIam(overrides);
  const tenants = await seedTenants(t.iam);
  const app = await createTestHttp(t.iam);
  return {
    t,
    tenants,
    app,
    async close() {
      await app.close();
      await t.close();
    },
  };
}
