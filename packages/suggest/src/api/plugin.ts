import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { SuggestCache } from '../cache.js';
import { MAX_QUERY_LENGTH, parseQuery } from '../query.js';
import type { SuggestService } from '../service.js';
import type { SuggestResponse } from '../suggester.js';

export interface SuggestPluginOptions {
  service: SuggestService;
  /** The caller's tenant (from `request.principal` once authentication runs). */
  resolveTenant: (request: FastifyRequest) => string;
  /** The caller's user id, for personalization and for logging queries; none for services. */
  resolveUser?: (request: FastifyRequest) => string | undefined;
  /** Shared cache of non-personalized answers. */
  cache?: SuggestCache;
  /** `max-age` of non-personalized answers (default 30 s). */
  maxAgeSeconds?: number;
}

const Highlight = Type.Object({ start: Type.Integer(), end: Type.Integer() });

const Suggestion = Type.Object({
  text: Type.String(),
  score: Type.Number(),
  highlights: Type.Array(Highlight),
  source: Type.Union([Type.Literal('global'), Type.Literal('personal')]),
  typo: Type.Boolean(),
});

const SuggestReply = Type.Object({
  query: Type.String({ description: 'The normalized query' }),
  suggestions: Type.Array(Suggestion),
  personalized: Type.Boolean(),
  generation: Type.Integer(),
});

const SuggestQuery = Type.Object(
  {
    q: Type.String({ maxLength: MAX_QUERY_LENGTH, description: 'What the user has typed so far' }),
    limit: Type.Integer({ minimum: 1, maximum: 50, default: 10 }),
    context: Type.Optional(
      Type.String({ maxLength: 512, description: 'Comma-separated terms about what the user is doing' }),
    ),
  },
  { additionalProperties: false },
);

const LogBody = Type.Object(
  { query: Type.String({ minLength: 1, maxLength: MAX_QUERY_LENGTH }) },
  { additionalProperties: false },
);

/** FNV-1a, to make a short ETag from the answer's identity. */
function fnv1a(text: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0).toString(36);
}

/**
 * Autocomplete over HTTP, tenant-scoped:
 *   GET  /v1/suggest?q=&limit=&context=  suggestions (permission suggest:read)
 *   POST /v1/suggest/log {query}         record a query the user ran (permission suggest:write)
 * Answers that do not depend on the user carry Cache-Control and an ETag (the data generation
 * and the query), so browsers and proxies revalidate cheaply; personalized ones are `no-store`.
 */
export const suggestPlugin: FastifyPluginAsyncTypebox<SuggestPluginOptions> = async (app, options) => {
  const { service, resolveTenant, resolveUser, cache } = options;
  const maxAge = options.maxAgeSeconds ?? 30;

  app.get(
    '/v1/suggest',
    {
      config: { permission: 'suggest:read' },
      schema: {
        summary: 'Query suggestions for what the user has typed',
        tags: ['suggest'],
        querystring: SuggestQuery,
        response: {
          200: SuggestReply,
          304: Type.Null({ description: 'Not modified (ETag matched); no body' }),
        },
      },
    },
    async (request, reply) => {
      const tenantId = resolveTenant(request);
      const { q, limit } = request.query;
      const context = request.query.context?.split(',').filter((term) => term.trim().length > 0);
      const userId = resolveUser?.(request);
      const personal = service.personalizes(tenantId, { userId, context });
      let answer: SuggestResponse | undefined;
      const normalized = parseQuery(q);
      if (!personal && cache !== undefined && normalized.length > 0) {
        answer = await cache.get(tenantId, service.generation(tenantId), limit, normalized);
      }
      if (answer === undefined) {
        answer = service.suggest(tenantId, { query: q, limit, userId, context });
        if (!answer.personalized && cache !== undefined && normalized.length > 0) {
          await cache.set(tenantId, limit, answer);
        }
      }
      if (answer.personalized) {
        reply.header('cache-control', 'private, no-store');
        return answer;
      }
      const etag = `W/"${answer.generation.toString(36)}-${fnv1a(`${tenantId}\u0000${answer.query}\u0000${limit}`)}"`;
      reply
        .header('cache-control', `private, max-age=${maxAge}`)
        .header('etag', etag)
        .header('vary', 'authorization');
      // A 304 has no body at all; the typed reply would serialise the schema's null.
      if (request.headers['if-none-match'] === etag) return (reply as FastifyReply).code(304).send();
      return answer;
    },
  );

  app.post(
    '/v1/suggest/log',
    {
      config: { permission: 'suggest:write' },
      schema: {
        summary: 'Record a query the user ran, for popularity and personalization',
        tags: ['suggest'],
        body: LogBody,
        response: { 202: Type.Object({ accepted: Type.Boolean() }) },
      },
    },
    async (request, reply) => {
      service.log(resolveTenant(request), { query: request.body.query, userId: resolveUser?.(request) });
      return reply.code(202).send({ accepted: true });
    },
  );
};
