import { findTenant, seedDemo } from '@parley/iam';
import { encodeWriteRequest, labelsFromRecord } from '@parley/metrics';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MODULE_NAMES } from '../src/modules/index.js';
import { createTestAppWithIam, type TestAppWithIam } from './helpers.js';

const PASSWORD = 'matrix-demo-password-1';
type Role = 'admin' | 'analyst' | 'guest' | 'anonymous' | 'otherTenant';
const ROLES: Role[] = ['admin', 'analyst', 'guest', 'anonymous', 'otherTenant'];

interface Context {
  /** Headers carrying the role's credentials (none for anonymous). */
  auth: Record<string, string>;
  role: Role;
  acme: { id: string; users: Record<string, string> };
  /** A throwaway acme user to act on (disable, re-role), so calls do not disturb one another. */
  victim(): Promise<string>;
  /** A fresh session of a throwaway user holding the role, for calls that end sessions. */
  freshSession(): Promise<Record<string, string>>;
  login(tenant: string, email: string): Promise<{ accessToken: string; refreshToken: string }>;
  unique: string;
}

type Expectation = Record<Role, number> | number;
interface Entry {
  request(ctx: Context): Promise<InjectOptions> | InjectOptions;
  expect: Expectation;
}

const admin = (ok: number) => ({ admin: ok, analyst: 403, guest: 403, anonymous: 401, otherTenant: ok });
const adminOnObject = (ok: number) => ({
  admin: ok,
  analyst: 403,
  guest: 403,
  anonymous: 401,
  otherTenant: 404,
});
const UNKNOWN_TASK = '01900000-0000-7000-8000-000000000000';
const signedIn = (ok: number) => ({ admin: ok, analyst: ok, guest: ok, anonymous: 401, otherTenant: ok });

/**
 * Every route the server registers × every kind of caller → the expected status. A route
 * without an entry fails the first test: adding a route means deciding who may call it.
 * (HEAD routes mirror their GET and are not listed.)
 */
const MATRIX: Record<string, Entry> = {
  'GET /health/live': { request: () => ({ url: '/health/live' }), expect: 200 },
  'GET /health/ready': { request: () => ({ url: '/health/ready' }), expect: 200 },
  'GET /metrics': { request: () => ({ url: '/metrics' }), expect: 200 },
  'GET /openapi.json': { request: () => ({ url: '/openapi.json' }), expect: 200 },
  'GET /docs': { request: () => ({ url: '/docs' }), expect: 200 },
  'GET /docs/': { request: () => ({ url: '/docs/' }), expect: 200 },
  'GET /docs/static/index.html': { request: () => ({ url: '/docs/static/index.html' }), expect: 302 },
  'GET /docs/static/swagger-initializer.js': {
    request: () => ({ url: '/docs/static/swagger-initializer.js' }),
    expect: 200,
  },
  'GET /docs/json': { request: () => ({ url: '/docs/json' }), expect: 200 },
  'GET /docs/yaml': { request: () => ({ url: '/docs/yaml' }), expect: 200 },
  'GET /docs/*': { request: () => ({ url: '/docs/static/swagger-ui.css' }), expect: 200 },
  'GET /.well-known/jwks.json': { request: () => ({ url: '/.well-known/jwks.json' }), expect: 200 },
  'POST /v1/auth/login': {
    request: () => ({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { tenant: 'acme', email: 'guest@acme.test', password: PASSWORD },
    }),
    expect: 200,
  },
  'POST /v1/auth/refresh': {
    request: async (ctx) => ({
      method: 'POST',
      url: '/v1/auth/refresh',
      payload: { refreshToken: (await ctx.login('acme', 'guest@acme.test')).refreshToken },
    }),
    expect: 200,
  },
  'POST /v1/auth/logout': {
    request: async (ctx) => ({
      method: 'POST',
      url: '/v1/auth/logout',
      payload: { refreshToken: (await ctx.login('acme', 'guest@acme.test')).refreshToken },
    }),
    expect: 204,
  },
  'POST /v1/auth/logout-all': {
    request: async (ctx) => ({
      method: 'POST',
      url: '/v1/auth/logout-all',
      headers: await ctx.freshSession(),
    }),
    expect: signedIn(204),
  },
  'POST /v1/authz/check': {
    request: (ctx) => ({
      method: 'POST',
      url: '/v1/authz/check',
      headers: ctx.auth,
      payload: { permission: 'sales:query' },
    }),
    expect: signedIn(200),
  },
  'GET /v1/users': { request: (ctx) => ({ url: '/v1/users', headers: ctx.auth }), expect: admin(200) },
  'POST /v1/users': {
    request: (ctx) => ({
      method: 'POST',
      url: '/v1/users',
      headers: ctx.auth,
      payload: {
        email: `new-${ctx.unique}@example.test`,
        password: 'a-long-enough-passphrase',
        roles: ['guest'],
      },
    }),
    expect: admin(201),
  },
  'GET /v1/users/:id': {
    request: (ctx) => ({ url: `/v1/users/${ctx.acme.users.guest}`, headers: ctx.auth }),
    expect: adminOnObject(200),
  },
  'POST /v1/users/:id/disable': {
    request: async (ctx) => ({
      method: 'POST',
      url: `/v1/users/${await ctx.victim()}/disable`,
      headers: ctx.auth,
    }),
    expect: adminOnObject(204),
  },
  'PUT /v1/users/:id/roles': {
    request: async (ctx) => ({
      method: 'PUT',
      url: `/v1/users/${await ctx.victim()}/roles`,
      headers: ctx.auth,
      payload: { roles: ['analyst'] },
    }),
    expect: adminOnObject(200),
  },
  'GET /v1/roles': { request: (ctx) => ({ url: '/v1/roles', headers: ctx.auth }), expect: admin(200) },
  'POST /v1/roles': {
    request: (ctx) => ({
      method: 'POST',
      url: '/v1/roles',
      headers: ctx.auth,
      payload: { name: `custom-${ctx.unique}`.slice(0, 40), permissions: ['reports:generate'] },
    }),
    expect: admin(201),
  },
  'GET /v1/apikeys': { request: (ctx) => ({ url: '/v1/apikeys', headers: ctx.auth }), expect: admin(200) },
  'POST /v1/apikeys': {
    request: (ctx) => ({
      method: 'POST',
      url: '/v1/apikeys',
      headers: ctx.auth,
      payload: { serviceAccount: 'matrix-bot', roles: ['guest'] },
    }),
    expect: admin(201),
  },
  'DELETE /v1/apikeys/:id': {
    request: async (ctx) => {
      const login = await ctx.login('acme', 'admin@acme.test');
      const created = await t.app.inject({
        method: 'POST',
        url: '/v1/apikeys',
        headers: { authorization: `Bearer ${login.accessToken}` },
        payload: { serviceAccount: 'victim-bot', roles: ['guest'] },
      });
      return { method: 'DELETE', url: `/v1/apikeys/${created.json().id}`, headers: ctx.auth };
    },
    expect: adminOnObject(204),
  },
  'GET /v1/audit-events': {
    request: (ctx) => ({ url: '/v1/audit-events?limit=5', headers: ctx.auth }),
    expect: admin(200),
  },
  'GET /v1/audit-events/export': {
    request: (ctx) => ({ url: '/v1/audit-events/export?kind=event', headers: ctx.auth }),
    expect: admin(200),
  },
  'POST /v1/ask': {
    request: (ctx) => ({
      method: 'POST',
      url: '/v1/ask',
      headers: ctx.auth,
      payload: { question: 'revenue by region last quarter' },
    }),
    expect: signedIn(200),
  },
  'GET /v1/models': { request: (ctx) => ({ url: '/v1/models', headers: ctx.auth }), expect: signedIn(200) },
  'GET /v1/models/:model': {
    request: (ctx) => ({ url: '/v1/models/parley-analyst', headers: ctx.auth }),
    expect: signedIn(200),
  },
  'POST /v1/chat/completions': {
    request: (ctx) => ({
      method: 'POST',
      url: '/v1/chat/completions',
      headers: ctx.auth,
      payload: {
        model: 'parley-analyst',
        messages: [{ role: 'user', content: 'revenue by region last quarter' }],
      },
    }),
    expect: signedIn(200),
  },
  // Tasks are their starter's only: an id nobody here started is a 404 for every signed-in caller.
  'GET /v1/tasks/:id': {
    request: (ctx) => ({ url: `/v1/tasks/${UNKNOWN_TASK}`, headers: ctx.auth }),
    expect: signedIn(404),
  },
  'GET /v1/tasks/:id/events': {
    request: (ctx) => ({ url: `/v1/tasks/${UNKNOWN_TASK}/events`, headers: ctx.auth }),
    expect: signedIn(404),
  },
  'DELETE /v1/tasks/:id': {
    request: (ctx) => ({ method: 'DELETE', url: `/v1/tasks/${UNKNOWN_TASK}`, headers: ctx.auth }),
    expect: signedIn(404),
  },
  'GET /v1/suggest': {
    request: (ctx) => ({ url: '/v1/suggest?q=pipeline', headers: ctx.auth }),
    expect: signedIn(200),
  },
  'POST /v1/suggest/log': {
    request: (ctx) => ({
      method: 'POST',
      url: '/v1/suggest/log',
      headers: ctx.auth,
      payload: { query: 'pipeline by region this quarter' },
    }),
    expect: { admin: 202, analyst: 202, guest: 403, anonymous: 401, otherTenant: 202 },
  },
  ...flagsRows(),
  ...metricsRows(),
  ...alertingRows(),
  ...conversationRows(),
};

let t: TestAppWithIam;

describe('route × role access matrix', () => {
  const routes: string[] = [];
  const tokens: Partial<Record<Role, string>> = {};
  let acme: Context['acme'];
  let counter = 0;

  beforeAll(async () => {
    t = await createTestAppWithIam({ modules: MODULE_NAMES });
    routes.push(...registeredRoutes(t.app));
    await seedDemo(t.iam, PASSWORD);
    const acmeTenant = (await findTenant(t.iam.db, 'acme'))!;
    const users = Object.fromEntries(
      (await t.iam.listUsers(acmeTenant.id)).map((u) => [u.email.split('@')[0]!, u.id]),
    );
    acme = { id: acmeTenant.id, users };
    for (const [role, email] of [
      ['admin', 'admin@acme.test'],
      ['analyst', 'analyst@acme.test'],
      ['guest', 'guest@acme.test'],
      ['otherTenant', 'admin@globex.test'],
    ] as const) {
      tokens[role] = (await login(email.endsWith('globex.test') ? 'globex' : 'acme', email)).accessToken;
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  async function login(tenant: string, email: string) {
    const res = await t.app.inject({
      method: 'POST',
      url: '/v1/auth/login',
      payload: { tenant, email, password: PASSWORD },
    });
    if (res.statusCode !== 200) throw new Error(`login ${email}: ${res.body}`);
    return res.json() as { accessToken: string; refreshToken: string };
  }

  function context(role: Role): Context {
    const unique = `${role.toLowerCase()}-${++counter}`;
    return {
      role,
      unique,
      acme,
      auth: tokens[role] ? { authorization: `Bearer ${tokens[role]}` } : {},
      login,
      async victim() {
        const user = await t.iam.createUser(acme.id, {
          email: `victim-${unique}@acme.test`,
          password: 'victim-passphrase-long',
          roles: ['guest'],
        });
        return user.id;
      },
      async freshSession(): Promise<Record<string, string>> {
        if (role === 'anonymous') return {};
        const tenantSlug = role === 'otherTenant' ? 'globex' : 'acme';
        const tenant = await findTenant(t.iam.db, tenantSlug);
        const email = `session-${unique}@${tenantSlug}.test`;
        await t.iam.createUser(tenant!.id, {
          email,
          password: 'session-passphrase-long',
          roles: [role === 'otherTenant' ? 'admin' : role],
        });
        const res = await t.app.inject({
          method: 'POST',
          url: '/v1/auth/login',
          payload: { tenant: tenantSlug, email, password: 'session-passphrase-long' },
        });
        return { authorization: `Bearer ${res.json().accessToken}` };
      },
    };
  }

  it('has an entry for every registered route', () => {
    const missing = routes.filter((r) => !r.startsWith('HEAD ') && !(r in MATRIX));
    expect(missing, 'routes without a matrix entry').toEqual([]);
    const stale = Object.keys(MATRIX).filter((r) => !routes.includes(r));
    expect(stale, 'matrix entries for routes that do not exist').toEqual([]);
  });

  for (const [route, entry] of Object.entries(MATRIX)) {
    it(route, async () => {
      const actual: Record<string, number> = {};
      const expected: Record<string, number> = {};
      for (const role of ROLES) {
        const res = await t.app.inject(await entry.request(context(role)));
        actual[role] = res.statusCode;
        expected[role] = typeof entry.expect === 'number' ? entry.expect : entry.expect[role];
      }
      expect(actual).toEqual(expected);
    });
  }
});

/**
 * Every `METHOD url` the app serves, read from Fastify's route tree (`printRoutes` without
 * common prefixes: each line is a path segment below its parent, with the methods it answers).
 */
function registeredRoutes(app: TestAppWithIam['app']): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack.length = depth;
    stack.push(match[2]!);
    const path = stack.join('');
    for (const method of match[3]?.split(', ') ?? []) routes.push(`${method} ${path}`);
  }
  return routes;
}

/**
 * Flags: fixtures in acme (project `matrix`, environments `dev` and protected `prod`, a flag, a
 * segment, SDK keys), made once over HTTP by acme's admin; change requests that admin approves
 * are authored by a second admin (nobody approves their own). The SDK and OFREP routes are public
 * to the IAM guard and authenticate with SDK keys, so they answer the same to every role.
 */
const FLAGS = '/v1/flags/projects/matrix/environments';
type Call = (
  method: 'POST' | 'PUT',
  url: string,
  payload: object,
  headers?: Record<string, string>,
) => Promise<{ id: string; key: string }>;
interface FlagsFixture {
  admin: Record<string, string>;
  author: Record<string, string>;
  serverKey: string;
  clientKey: string;
  call: Call;
}
let flagsFixture: Promise<FlagsFixture> | undefined;

function matrixFlag(key: string) {
  return {
    key,
    type: 'boolean',
    variations: [{ value: false }, { value: true }],
    on: true,
    offVariation: 0,
    fallthrough: { variation: 1 },
  };
}

async function setUpFlags(ctx: Context): Promise<FlagsFixture> {
  const admin = { authorization: `Bearer ${(await ctx.login('acme', 'admin@acme.test')).accessToken}` };
  await t.iam.createUser(ctx.acme.id, {
    email: 'flags-author@acme.test',
    password: PASSWORD,
    roles: ['admin'],
  });
  const author = {
    authorization: `Bearer ${(await ctx.login('acme', 'flags-author@acme.test')).accessToken}`,
  };
  const call: Call = async (method, url, payload, headers = admin) => {
    const res = await t.app.inject({ method, url, headers, payload });
    if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  await call('POST', '/v1/flags/projects', { key: 'matrix', name: 'Matrix' });
  await call('POST', FLAGS, { key: 'dev', name: 'Development' });
  await call('POST', FLAGS, { key: 'prod', name: 'Production', protected: true, requiredApprovals: 1 });
  await call('PUT', `${FLAGS}/dev/flags/m-flag`, matrixFlag('m-flag'));
  await call('PUT', `${FLAGS}/dev/segments/m-seg`, { key: 'm-seg', included: ['u1'] });
  const serverKey = (await call('POST', `${FLAGS}/dev/sdk-keys`, { kind: 'server', name: 'matrix' })).key;
  const clientKey = (await call('POST', `${FLAGS}/dev/sdk-keys`, { kind: 'client', name: 'matrix' })).key;
  return { admin, author, serverKey, clientKey, call };
}

function flagsRows(): Record<string, Entry> {
  const fixture = (ctx: Context) => (flagsFixture ??= setUpFlags(ctx));
  const reader = (ok: number) => ({ admin: ok, analyst: ok, guest: 403, anonymous: 401, otherTenant: ok });
  const readerOnObject = (ok: number) => ({ ...reader(ok), otherTenant: 404 });
  const changeRequest = async (ctx: Context, by: 'admin' | 'author') => {
    const f = await fixture(ctx);
    const key = `cr-${ctx.unique}`;
    const body = { subject: 'flag', key, operation: 'put', definition: matrixFlag(key) };
    return (await f.call('POST', `${FLAGS}/prod/change-requests`, body, f[by])).id;
  };
  /** A request made once the fixtures exist. */
  const after = (build: (ctx: Context) => InjectOptions) => async (ctx: Context) => {
    await fixture(ctx);
    return build(ctx);
  };
  const get = (url: (ctx: Context) => string) => after((ctx) => ({ url: url(ctx), headers: ctx.auth }));
  const sdk =
    (kind: 'serverKey' | 'clientKey', method: 'GET' | 'POST', url: string, payload?: object) =>
    async (ctx: Context) => ({
      method,
      url,
      headers: { authorization: `Bearer ${(await fixture(ctx))[kind]}` },
      ...(payload && { payload }),
    });
  return {
    'GET /v1/flags/projects': { request: get(() => '/v1/flags/projects'), expect: reader(200) },
    'POST /v1/flags/projects': {
      request: (ctx) => ({
        method: 'POST',
        url: '/v1/flags/projects',
        headers: ctx.auth,
        payload: { key: `p-${ctx.unique}`, name: 'P' },
      }),
      expect: admin(201),
    },
    'GET /v1/flags/projects/:project/environments': {
      request: get(() => FLAGS),
      expect: readerOnObject(200),
    },
    'POST /v1/flags/projects/:project/environments': {
      request: after((ctx) => ({
        method: 'POST',
        url: FLAGS,
        headers: ctx.auth,
        payload: { key: `e-${ctx.unique}`, name: 'E' },
      })),
      expect: adminOnObject(201),
    },
    'PATCH /v1/flags/projects/:project/environments/:environment': {
      request: after((ctx) => ({
        method: 'PATCH',
        url: `${FLAGS}/dev`,
        headers: ctx.auth,
        payload: { name: 'Development' },
      })),
      expect: adminOnObject(200),
    },
    'GET /v1/flags/projects/:project/environments/:environment/sdk-keys': {
      request: get(() => `${FLAGS}/dev/sdk-keys`),
      expect: adminOnObject(200),
    },
    'POST /v1/flags/projects/:project/environments/:environment/sdk-keys': {
      request: after((ctx) => ({
        method: 'POST',
        url: `${FLAGS}/dev/sdk-keys`,
        headers: ctx.auth,
        payload: { kind: 'client', name: ctx.unique },
      })),
      expect: adminOnObject(201),
    },
    'DELETE /v1/flags/projects/:project/environments/:environment/sdk-keys/:id': {
      request: async (ctx) => {
        const { id } = await (await fixture(ctx)).call('POST', `${FLAGS}/dev/sdk-keys`, {
          kind: 'client',
          name: ctx.unique,
        });
        return { method: 'DELETE', url: `${FLAGS}/dev/sdk-keys/${id}`, headers: ctx.auth };
      },
      expect: adminOnObject(204),
    },
    'GET /v1/flags/projects/:project/environments/:environment/flags': {
      request: get(() => `${FLAGS}/dev/flags`),
      expect: readerOnObject(200),
    },
    'GET /v1/flags/projects/:project/environments/:environment/flags/:key': {
      request: get(() => `${FLAGS}/dev/flags/m-flag`),
      expect: readerOnObject(200),
    },
    'PUT /v1/flags/projects/:project/environments/:environment/flags/:key': {
      request: after((ctx) => ({
        method: 'PUT',
        url: `${FLAGS}/dev/flags/f-${ctx.unique}`,
        headers: ctx.auth,
        payload: matrixFlag(`f-${ctx.unique}`),
      })),
      expect: adminOnObject(201),
    },
    'DELETE /v1/flags/projects/:project/environments/:environment/flags/:key': {
      request: async (ctx) => {
        await (await fixture(ctx)).call(
          'PUT',
          `${FLAGS}/dev/flags/d-${ctx.unique}`,
          matrixFlag(`d-${ctx.unique}`),
        );
        return { method: 'DELETE', url: `${FLAGS}/dev/flags/d-${ctx.unique}`, headers: ctx.auth };
      },
      expect: adminOnObject(204),
    },
    'GET /v1/flags/projects/:project/environments/:environment/flags/:key/history': {
      request: get(() => `${FLAGS}/dev/flags/m-flag/history`),
      expect: readerOnObject(200),
    },
    'GET /v1/flags/projects/:project/environments/:environment/segments': {
      request: get(() => `${FLAGS}/dev/segments`),
      expect: readerOnObject(200),
    },
    'GET /v1/flags/projects/:project/environments/:environment/segments/:key': {
      request: get(() => `${FLAGS}/dev/segments/m-seg`),
      expect: readerOnObject(200),
    },
    'PUT /v1/flags/projects/:project/environments/:environment/segments/:key': {
      request: after((ctx) => ({
        method: 'PUT',
        url: `${FLAGS}/dev/segments/s-${ctx.unique}`,
        headers: ctx.auth,
        payload: { included: ['u2'] },
      })),
      expect: adminOnObject(201),
    },
    'DELETE /v1/flags/projects/:project/environments/:environment/segments/:key': {
      request: async (ctx) => {
        await (await fixture(ctx)).call('PUT', `${FLAGS}/dev/segments/d-${ctx.unique}`, { included: ['u3'] });
        return { method: 'DELETE', url: `${FLAGS}/dev/segments/d-${ctx.unique}`, headers: ctx.auth };
      },
      expect: adminOnObject(204),
    },
    'GET /v1/flags/projects/:project/environments/:environment/stale-flags': {
      request: get(() => `${FLAGS}/dev/stale-flags`),
      expect: readerOnObject(200),
    },
    'GET /v1/flags/projects/:project/environments/:environment/change-requests': {
      request: get(() => `${FLAGS}/prod/change-requests`),
      expect: readerOnObject(200),
    },
    'POST /v1/flags/projects/:project/environments/:environment/change-requests': {
      request: after((ctx) => ({
        method: 'POST',
        url: `${FLAGS}/prod/change-requests`,
        headers: ctx.auth,
        payload: {
          subject: 'flag',
          key: `n-${ctx.unique}`,
          operation: 'put',
          definition: matrixFlag(`n-${ctx.unique}`),
        },
      })),
      expect: adminOnObject(201),
    },
    'GET /v1/flags/projects/:project/environments/:environment/change-requests/:id': {
      request: async (ctx) => ({
        url: `${FLAGS}/prod/change-requests/${await changeRequest(ctx, 'author')}`,
        headers: ctx.auth,
      }),
      expect: readerOnObject(200),
    },
    'PUT /v1/flags/projects/:project/environments/:environment/change-requests/:id': {
      request: async (ctx) => ({
        method: 'PUT',
        url: `${FLAGS}/prod/change-requests/${await changeRequest(ctx, 'admin')}`,
        headers: ctx.auth,
        payload: {
          subject: 'flag',
          key: `cr-${ctx.unique}`,
          operation: 'put',
          definition: { ...matrixFlag(`cr-${ctx.unique}`), on: false },
        },
      }),
      expect: adminOnObject(200),
    },
    'POST /v1/flags/projects/:project/environments/:environment/change-requests/:id/approvals': {
      request: async (ctx) => ({
        method: 'POST',
        url: `${FLAGS}/prod/change-requests/${await changeRequest(ctx, 'author')}/approvals`,
        headers: ctx.auth,
      }),
      expect: adminOnObject(200),
    },
    'POST /v1/flags/projects/:project/environments/:environment/change-requests/:id/cancel': {
      request: async (ctx) => ({
        method: 'POST',
        url: `${FLAGS}/prod/change-requests/${await changeRequest(ctx, 'admin')}/cancel`,
        headers: ctx.auth,
      }),
      expect: adminOnObject(200),
    },
    'GET /sdk/v1/ruleset': { request: sdk('serverKey', 'GET', '/sdk/v1/ruleset'), expect: 200 },
    // A stream never ends, so the row checks the refusal: client keys cannot stream rulesets.
    'GET /sdk/v1/stream': { request: sdk('clientKey', 'GET', '/sdk/v1/stream'), expect: 403 },
    'POST /sdk/v1/usage': {
      request: sdk('serverKey', 'POST', '/sdk/v1/usage', { counts: { 'm-flag': 1 } }),
      expect: 204,
    },
    'POST /ofrep/v1/evaluate/flags/:key': {
      request: sdk('clientKey', 'POST', '/ofrep/v1/evaluate/flags/m-flag', {
        context: { targetingKey: 'u1' },
      }),
      expect: 200,
    },
    'POST /ofrep/v1/evaluate/flags': {
      request: sdk('clientKey', 'POST', '/ofrep/v1/evaluate/flags', { context: {} }),
      expect: 200,
    },
  };
}

/**
 * Conversations: one conversation of acme's guest (with a question, its answer and an attachment),
 * made once over HTTP by the guest. Its owner reads and writes it; acme's admin may read it
 * (conversations:read_all), not change it (403); everyone else gets 404, as for a missing one.
 */
interface ConversationFixture {
  id: string;
  questionId: string;
  answerId: string;
  attachmentId: string;
}
let conversationFixture: Promise<ConversationFixture> | undefined;

const MULTIPART_BOUNDARY = 'parley-matrix-boundary';
const multipartUpload = (headers: Record<string, string>) => ({
  headers: { ...headers, 'content-type': `multipart/form-data; boundary=${MULTIPART_BOUNDARY}` },
  payload:
    `--${MULTIPART_BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="note.txt"\r\n` +
    `Content-Type: text/plain\r\n\r\nregion,revenue\r\n--${MULTIPART_BOUNDARY}--\r\n`,
});

function guestConversation(ctx: Context): Promise<ConversationFixture> {
  conversationFixture ??= (async () => {
    const { accessToken } = await ctx.login('acme', 'guest@acme.test');
    const headers = { authorization: `Bearer ${accessToken}` };
    const created = await t.app.inject({
      method: 'POST',
      url: '/v1/conversations',
      headers,
      payload: { message: 'revenue by region last quarter' },
    });
    const { conversation, exchange } = created.json();
    const uploaded = await t.app.inject({
      method: 'POST',
      url: `/v1/conversations/${conversation.id}/attachments`,
      ...multipartUpload(headers),
    });
    return {
      id: conversation.id,
      questionId: exchange.question.id,
      answerId: exchange.answer.id,
      attachmentId: uploaded.json().id,
    };
  })();
  return conversationFixture;
}

// Declarations, not arrow constants: MATRIX above calls conversationRows() while this file loads.
function ownerOnly(ok: number) {
  return { admin: 403, analyst: 404, guest: ok, anonymous: 401, otherTenant: 404 };
}
function ownerOrAdmin(ok: number) {
  return { admin: ok, analyst: 404, guest: ok, anonymous: 401, otherTenant: 404 };
}
const CONVERSATIONS = '/v1/conversations';

function conversationRows(): Record<string, Entry> {
  return {
    'POST /v1/conversations': {
      request: (ctx) => ({
        method: 'POST',
        url: CONVERSATIONS,
        headers: ctx.auth,
        payload: { title: 'matrix' },
      }),
      expect: signedIn(201),
    },
    'GET /v1/conversations': {
      request: (ctx) => ({ url: `${CONVERSATIONS}?limit=5`, headers: ctx.auth }),
      expect: signedIn(200),
    },
    'GET /v1/conversations/search': {
      request: (ctx) => ({ url: `${CONVERSATIONS}/search?q=revenue`, headers: ctx.auth }),
      expect: signedIn(200),
    },
    'GET /v1/conversations/:id': {
      request: async (ctx) => ({
        url: `${CONVERSATIONS}/${(await guestConversation(ctx)).id}`,
        headers: ctx.auth,
      }),
      expect: ownerOrAdmin(200),
    },
    'PATCH /v1/conversations/:id': {
      request: async (ctx) => ({
        method: 'PATCH',
        url: `${CONVERSATIONS}/${(await guestConversation(ctx)).id}`,
        headers: ctx.auth,
        payload: { title: `renamed by ${ctx.role}` },
      }),
      expect: ownerOnly(200),
    },
    'POST /v1/conversations/:id/messages': {
      request: async (ctx) => ({
        method: 'POST',
        url: `${CONVERSATIONS}/${(await guestConversation(ctx)).id}/messages`,
        headers: ctx.auth,
        payload: { content: 'and units?' },
      }),
      expect: ownerOnly(201),
    },
    'POST /v1/conversations/:id/messages/:messageId/edit': {
      request: async (ctx) => {
        const fixture = await guestConversation(ctx);
        return {
          method: 'POST',
          url: `${CONVERSATIONS}/${fixture.id}/messages/${fixture.questionId}/edit`,
          headers: ctx.auth,
          payload: { content: 'revenue by channel last quarter' },
        };
      },
      expect: ownerOnly(201),
    },
    'POST /v1/conversations/:id/messages/:messageId/regenerate': {
      request: async (ctx) => {
        const fixture = await guestConversation(ctx);
        return {
          method: 'POST',
          url: `${CONVERSATIONS}/${fixture.id}/messages/${fixture.answerId}/regenerate`,
          headers: ctx.auth,
        };
      },
      expect: ownerOnly(201),
    },
    'PUT /v1/conversations/:id/active-leaf': {
      request: async (ctx) => {
        const fixture = await guestConversation(ctx);
        return {
          method: 'PUT',
          url: `${CONVERSATIONS}/${fixture.id}/active-leaf`,
          headers: ctx.auth,
          payload: { messageId: fixture.answerId },
        };
      },
      expect: ownerOnly(200),
    },
    'POST /v1/conversations/:id/attachments': {
      request: async (ctx) => ({
        method: 'POST',
        url: `${CONVERSATIONS}/${(await guestConversation(ctx)).id}/attachments`,
        ...multipartUpload(ctx.auth),
      }),
      expect: ownerOnly(201),
    },
    'GET /v1/conversations/:id/attachments': {
      request: async (ctx) => ({
        url: `${CONVERSATIONS}/${(await guestConversation(ctx)).id}/attachments`,
        headers: ctx.auth,
      }),
      expect: ownerOrAdmin(200),
    },
    'GET /v1/conversations/:id/attachments/:attachmentId': {
      request: async (ctx) => {
        const fixture = await guestConversation(ctx);
        return {
          url: `${CONVERSATIONS}/${fixture.id}/attachments/${fixture.attachmentId}`,
          headers: ctx.auth,
        };
      },
      expect: ownerOrAdmin(200),
    },
  };
}

/** Prometheus API routes (GET and form POST), remote write and OTLP; every tenant reads its own data. */
function metricsRows(): Record<string, Entry> {
  const read = { admin: 200, analyst: 200, guest: 403, anonymous: 401, otherTenant: 200 };
  const rows: Record<string, Entry> = {};
  for (const [path, query] of [
    ['/api/v1/query', 'query=up'],
    ['/api/v1/query_range', 'query=up&start=0&end=600&step=60'],
    ['/api/v1/series', 'match[]=up'],
    ['/api/v1/labels', ''],
    ['/api/v1/label/:name/values', ''],
    ['/api/v1/metadata', ''],
  ] as const) {
    const url = path.replace(':name', 'job');
    rows[`GET ${path}`] = { request: (ctx) => ({ url: `${url}?${query}`, headers: ctx.auth }), expect: read };
    rows[`POST ${path}`] = {
      request: (ctx) => ({
        method: 'POST',
        url,
        headers: { ...ctx.auth, 'content-type': 'application/x-www-form-urlencoded' },
        payload: query,
      }),
      expect: read,
    };
  }
  rows['GET /api/v1/status/buildinfo'] = {
    request: (ctx) => ({ url: '/api/v1/status/buildinfo', headers: ctx.auth }),
    expect: read,
  };
  rows['POST /api/v1/write'] = {
    request: (ctx) => ({
      method: 'POST',
      url: '/api/v1/write',
      headers: {
        ...ctx.auth,
        'content-type': 'application/x-protobuf',
        'content-encoding': 'snappy',
        'x-prometheus-remote-write-version': '0.1.0',
      },
      payload: Buffer.from(
        encodeWriteRequest([
          {
            labels: labelsFromRecord({ __name__: 'matrix_writes', caller: ctx.unique }),
            samples: [{ t: Date.now(), v: 1 }],
          },
        ]),
      ),
    }),
    expect: admin(204),
  };
  rows['POST /v1/metrics'] = {
    request: (ctx) => ({
      method: 'POST',
      url: '/v1/metrics',
      headers: ctx.auth,
      payload: {
        resourceMetrics: [
          {
            scopeMetrics: [
              {
                metrics: [
                  {
                    name: 'matrix_gauge',
                    gauge: { dataPoints: [{ timeUnixNano: `${Date.now()}000000`, asDouble: 1 }] },
                  },
                ],
              },
            ],
          },
        ],
      },
    }),
    expect: admin(200),
  };
  return rows;
}

/**
 * Rules, alerts, the notifier and reloads belong to the operators' tenant (PARLEY_METRICS_PLATFORM_TENANT,
 * which neither acme nor globex is here): other tenants read an empty rule set, and the notifier
 * answers them 404, after the permission check (metrics:read, metrics:write).
 */
function alertingRows(): Record<string, Entry> {
  const read = { admin: 200, analyst: 200, guest: 403, anonymous: 401, otherTenant: 200 };
  const notifierRead = { admin: 404, analyst: 404, guest: 403, anonymous: 401, otherTenant: 404 };
  const notifierWrite = { admin: 404, analyst: 403, guest: 403, anonymous: 401, otherTenant: 404 };
  const rows: Record<string, Entry> = {
    'GET /api/v1/rules': { request: (ctx) => ({ url: '/api/v1/rules', headers: ctx.auth }), expect: read },
    'GET /api/v1/alerts': { request: (ctx) => ({ url: '/api/v1/alerts', headers: ctx.auth }), expect: read },
  };
  for (const path of [
    '/api/v2/alerts',
    '/api/v2/alerts/groups',
    '/api/v2/status',
    '/api/v2/receivers',
    '/api/v2/silences',
    '/api/v2/history',
  ])
    rows[`GET ${path}`] = { request: (ctx) => ({ url: path, headers: ctx.auth }), expect: notifierRead };
  const silence = '01900000-0000-7000-8000-0000000000aa';
  rows['GET /api/v2/silence/:silenceID'] = {
    request: (ctx) => ({ url: `/api/v2/silence/${silence}`, headers: ctx.auth }),
    expect: notifierRead,
  };
  rows['DELETE /api/v2/silence/:silenceID'] = {
    request: (ctx) => ({ method: 'DELETE', url: `/api/v2/silence/${silence}`, headers: ctx.auth }),
    expect: notifierWrite,
  };
  rows['POST /-/reload'] = {
    request: (ctx) => ({ method: 'POST', url: '/-/reload', headers: ctx.auth }),
    expect: notifierWrite,
  };
  rows['POST /api/v2/alerts'] = {
    request: (ctx) => ({
      method: 'POST',
      url: '/api/v2/alerts',
      headers: ctx.auth,
      payload: [{ labels: { alertname: 'MatrixTest', caller: ctx.unique } }],
    }),
    expect: notifierWrite,
  };
  rows['POST /api/v2/silences'] = {
    request: (ctx) => ({
      method: 'POST',
      url: '/api/v2/silences',
      headers: ctx.auth,
      payload: {
        matchers: [{ name: 'alertname', value: 'MatrixTest', isRegex: false }],
        startsAt: new Date().toISOString(),
        endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        createdBy: ctx.unique,
        comment: 'access matrix',
      },
    }),
    expect: notifierWrite,
  };
  return rows;
}
