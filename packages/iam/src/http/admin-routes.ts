import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '@parley/kit';
import type { FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { actorOf } from '../authn/authenticate.js';
import type { Actor, Iam } from '../iam.js';

const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
const RoleNames = Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 20 });

function by(request: FastifyRequest): Actor {
  return { actor: actorOf(request.principal), requestId: request.id, ip: request.ip };
}

/** The caller's tenant: every admin route works inside it and nowhere else. */
function tenantOf(request: FastifyRequest): string {
  const principal = request.principal;
  if (!principal) throw problems.unauthorized();
  return principal.tenantId;
}

/** Tenant administration over HTTP: users, roles, API keys of the caller's own tenant. */
export function adminRoutes(iam: Iam): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/v1/users', { config: { permission: 'users:manage' } }, async (request) => ({
      users: await iam.listUsers(tenantOf(request)),
    }));

    app.post(
      '/v1/users',
      {
        config: { permission: 'users:manage' },
        schema: {
          body: Type.Object(
            {
              email: Type.String({ maxLength: 320 }),
              password: Type.String({ maxLength: 256 }),
              displayName: Type.Optional(Type.String({ maxLength: 200 })),
              roles: RoleNames,
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) =>
        reply.code(201).send(await iam.createUser(tenantOf(request), request.body, by(request))),
    );

    app.get(
      '/v1/users/:id',
      { config: { permission: 'users:manage' }, schema: { params: Id } },
      async (request) => {
        const user = await iam.user(tenantOf(request), request.params.id);
        // Another tenant's user is invisible under row-level security: the same 404 as a missing one.
        if (!user) throw problems.notFound('No such user');
        return user;
      },
    );

    app.post(
      '/v1/users/:id/disable',
      { config: { permission: 'users:manage' }, schema: { params: Id } },
      async (request, reply) => {
        await iam.disableUser(tenantOf(request), request.params.id, by(request));
        return reply.code(204).send();
      },
    );

    app.put(
      '/v1/users/:id/roles',
      {
        config: { permission: 'roles:manage' },
        schema: { params: Id, body: Type.Object({ roles: RoleNames }, { additionalProperties: false }) },
      },
      async (request) =>
        iam.setUserRoles(tenantOf(request), request.params.id, request.body.roles, by(request)),
    );

    app.get('/v1/roles', { config: { permission: 'roles:manage' } }, async (request) => ({
      roles: await iam.listRoles(tenantOf(request)),
    }));

    app.post(
      '/v1/roles',
      {
        config: { permission: 'roles:manage' },
        schema: {
          body: Type.Object(
            {
              name: Type.String({ maxLength: 40 }),
              description: Type.Optional(Type.String({ maxLength: 200 })),
              permissions: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) =>
        reply.code(201).send(await iam.createRole(tenantOf(request), request.body, by(request))),
    );

    app.get('/v1/apikeys', { config: { permission: 'apikeys:manage' } }, async (request) => ({
      apiKeys: await iam.listApiKeys(tenantOf(request)),
    }));

    app.post(
      '/v1/apikeys',
      {
        config: { permission: 'apikeys:manage' },
        schema: {
          body: Type.Object(
            {
              serviceAccount: Type.String({ minLength: 1, maxLength: 80 }),
              roles: RoleNames,
              expiresAt: Type.Optional(Type.String({ format: 'date-time' })),
            },
            { additionalProperties: false },
          ),
        },
      },
      async (request, reply) => {
        const { expiresAt, ...rest } = request.body;
        const created = await iam.createApiKey(
          tenantOf(request),
          { ...rest, expiresAt: expiresAt ? new Date(expiresAt) : undefined },
          by(request),
        );
        // The only time the key is ever shown.
        return reply.code(201).send({ ...created.view, key: created.key });
      },
    );

    app.delete(
      '/v1/apikeys/:id',
      { config: { permission: 'apikeys:manage' }, schema: { params: Id } },
      async (request, reply) => {
        await iam.revokeApiKey(tenantOf(request), request.params.id, by(request));
        return reply.code(204).send();
      },
    );
  };
}
