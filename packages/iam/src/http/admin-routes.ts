import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '@parley/kit';
import { Type } from 'typebox';
import type { Iam } from '../iam.js';
import { callerActor, callerTenant } from './caller.js';

const Id = Type.Object({ id: Type.String({ format: 'uuid' }) });
const RoleNames = Type.Array(Type.String({ minLength: 1, maxLength: 40 }), { maxItems: 20 });

/** Tenant administration over HTTP: users, roles, API keys of the caller's own tenant. */
export function adminRoutes(iam: Iam): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get('/v1/users', { config: { permission: 'users:manage' } }, async (request) => ({
      users: await iam.listUsers(callerTenant(request)),
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
        reply.code(201).send(await iam.createUser(callerTenant(request), request.body, callerActor(request))),
    );

    app.get(
      '/v1/users/:id',
      { config: { permission: 'users:manage' }, schema: { params: Id } },
      async (request) => {
        const user = await iam.user(callerTenant(request), request.params.id);
        // Another tenant's user is invisible under row-level security: the same 404 as a missing one.
        if (!user) throw problems.notFound('No such user');
        return user;
      },
    );

    app.post(
      '/v1/users/:id/disable',
      { config: { permission: 'users:manage' }, schema: { params: Id } },
      async (request, reply) => {
        await iam.disableUser(callerTenant(request), request.params.id, callerActor(request));
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
        iam.setUserRoles(callerTenant(request), request.params.id, request.body.roles, callerActor(request)),
    );

    app.get('/v1/roles', { config: { permission: 'roles:manage' } }, async (request) => ({
      roles: await iam.listRoles(callerTenant(request)),
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
        reply.code(201).send(await iam.createRole(callerTenant(request), request.body, callerActor(request))),
    );

    app.get('/v1/apikeys', { config: { permission: 'apikeys:manage' } }, async (request) => ({
      apiKeys: await iam.listApiKeys(callerTenant(request)),
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
          callerTenant(request),
          { ...rest, expiresAt: expiresAt ? new Date(expiresAt) : undefined },
          callerActor(request),
        );
        // The only time the key is ever shown.
        return reply.code(201).send({ ...created.view, key: created.key });
      },
    );

    app.delete(
      '/v1/apikeys/:id',
      { config: { permission: 'apikeys:manage' }, schema: { params: Id } },
      async (request, reply) => {
        await iam.revokeApiKey(callerTenant(request), request.params.id, callerActor(request));
        return reply.code(204).send();
      },
    );
  };
}
