import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '@parley/kit';
import { Type } from 'typebox';
import type { Iam } from '../iam.js';

const Permissions = Type.Union([
  Type.String({ minLength: 3, maxLength: 64 }),
  Type.Array(Type.String({ minLength: 3, maxLength: 64 }), { minItems: 1, maxItems: 32 }),
]);

/**
 * `POST /v1/authz/check`: a decision for another service. Without `userId` it answers for the
 * caller; asking about another user of the caller's tenant needs `users:manage`, and a user of
 * another tenant is simply not found.
 */
export function authzRoutes(iam: Iam): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/authz/check',
      {
        config: { public: true },
        schema: {
          body: Type.Object(
            { permission: Permissions, userId: Type.Optional(Type.String({ format: 'uuid' })) },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              allowed: Type.Boolean(),
              subject: Type.String(),
              roles: Type.Array(Type.String()),
            }),
          },
        },
      },
      async (request) => {
        const caller = request.principal;
        if (!caller) throw problems.unauthorized();
        const { permission, userId } = request.body;
        if (!userId || userId === caller.subject)
          return { allowed: iam.can(caller, permission), subject: caller.subject, roles: [...caller.roles] };
        if (!iam.can(caller, 'users:manage'))
          throw problems.forbidden('Checking another user needs users:manage');
        const standing = await iam.directory.user(caller.tenantId, userId);
        if (!standing) throw problems.notFound('No such user');
        const subject = {
          ...caller,
          subject: userId,
          permissions: standing.active ? standing.permissions : new Set<string>(),
        };
        return { allowed: iam.can(subject, permission), subject: userId, roles: standing.roles };
      },
    );
  };
}
