import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '@parley/kit';
import { Type } from 'typebox';
import type { IamPrincipal } from '../authn/authenticate.js';
import { findTenant } from '../directory/tenants.js';
import type { Iam } from '../iam.js';
import { MAX_PASSWORD_LENGTH } from '../passwords/policy.js';

const TokenPair = Type.Object({
  accessToken: Type.String(),
  tokenType: Type.Literal('Bearer'),
  expiresIn: Type.Integer(),
  refreshToken: Type.String(),
  refreshExpiresIn: Type.Integer(),
});

const RefreshBody = Type.Object(
  { refreshToken: Type.String({ minLength: 1, maxLength: 200 }) },
  { additionalProperties: false },
);

/** Sign-in, token refresh, logout and the public keys that verify access tokens. */
export function authRoutes(iam: Iam): FastifyPluginAsyncTypebox {
  return async (app) => {
    const origin = (request: { ip: string; headers: Record<string, unknown>; id: string }) => ({
      ip: request.ip,
      userAgent: String(request.headers['user-agent'] ?? '').slice(0, 512) || undefined,
      requestId: request.id,
    });

    app.get('/.well-known/jwks.json', { config: { public: true }, schema: {} }, async (_request, reply) =>
      reply.header('cache-control', 'public, max-age=60').send(iam.keys.jwks()),
    );

    app.post(
      '/v1/auth/login',
      {
        config: { public: true, rateLimit: 'auth' },
        schema: {
          body: Type.Object(
            {
              tenant: Type.String({ minLength: 1, maxLength: 63 }),
              email: Type.String({ minLength: 3, maxLength: 320 }),
              password: Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH }),
            },
            { additionalProperties: false },
          ),
          response: { 200: TokenPair },
        },
      },
      async (request) => {
        // Failed attempts too belong in the tenant's chain, where its admins look for them.
        const tenant = await findTenant(iam.db, request.body.tenant);
        if (tenant) request.audit.tenantId = tenant.id;
        const { pair, tenantId, userId } = await iam.sessions.login(request.body, origin(request));
        request.audit.tenantId = tenantId;
        request.audit.actor = `user:${userId}`;
        return pair;
      },
    );

    app.post(
      '/v1/auth/refresh',
      {
        config: { public: true, rateLimit: 'auth' },
        schema: { body: RefreshBody, response: { 200: TokenPair } },
      },
      async (request) => {
        const { pair, tenantId, userId } = await iam.sessions.refresh(
          request.body.refreshToken,
          origin(request),
        );
        request.audit.tenantId = tenantId;
        request.audit.actor = `user:${userId}`;
        return pair;
      },
    );

    app.post(
      '/v1/auth/logout',
      {
        config: { public: true },
        schema: {
          body: Type.Optional(
            Type.Object(
              { refreshToken: Type.Optional(Type.String({ maxLength: 200 })) },
              { additionalProperties: false },
            ),
          ),
        },
      },
      async (request, reply) => {
        const credential = (request.principal as IamPrincipal | undefined)?.credential;
        await iam.sessions.logout(
          request.body?.refreshToken,
          credential?.type === 'access-token' ? credential : undefined,
        );
        return reply.code(204).send();
      },
    );

    app.post(
      '/v1/auth/logout-all',
      {
        // Public at the gate; the handler demands a signed-in user (no permission is needed to end one's own sessions).
        config: { public: true },
        schema: {},
      },
      async (request, reply) => {
        const principal = request.principal;
        if (principal?.kind !== 'user')
          throw problems.unauthorized('Sign in as the user whose sessions to end');
        await iam.sessions.logoutAll(principal.tenantId, principal.subject);
        return reply.code(204).send();
      },
    );
  };
}
