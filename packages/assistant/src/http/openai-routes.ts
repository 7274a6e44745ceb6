import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Clock, type FieldError, ProblemError, systemClock } from '@parley/kit';
import { toProblem } from '@parley/kit/http';
import type { FastifyError, FastifyRequest } from 'fastify';
import type { Static } from 'typebox';
import type { Answer, Answerer } from '../analytics/answerer.js';
import { callerOf } from './caller.js';
import { chunksOf, completionOf, contentOf, limitTokens, questionOf } from './openai-completion.js';
import {
  ChatCompletionBody,
  ChatCompletionSchema,
  ModelListSchema,
  ModelParams,
  ModelSchema,
  OpenAIErrorSchema,
  PARLEY_MODEL,
  PARLEY_MODEL_CREATED,
} from './openai-schemas.js';

const MODEL: Static<typeof ModelSchema> = {
  id: PARLEY_MODEL,
  object: 'model',
  created: PARLEY_MODEL_CREATED,
  owned_by: 'parley',
};

const modelNotFound = (model: string) =>
  new ProblemError('not-found', 404, 'Not Found', `The model '${model}' does not exist`, {
    param: 'model',
    code: 'model_not_found',
  });

/** OpenAI's error `type` for an HTTP status. */
function errorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 429) return 'rate_limit_error';
  return status >= 500 ? 'server_error' : 'invalid_request_error';
}

/** `/body/messages/0/role` → `messages[0].role`, the way OpenAI names a parameter. */
function paramOf(pointer: string): string {
  return pointer
    .replace(/^\/(body|params|querystring)\/?/, '')
    .split('/')
    .map((segment, i) => (/^\d+$/.test(segment) ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join('');
}

/** A Parley problem in OpenAI's error shape; `code` is OpenAI's where one applies, else the problem kind. */
export function openAIError(problem: ProblemError): Static<typeof OpenAIErrorSchema> {
  const { param, code, errors } = problem.extensions as {
    param?: string;
    code?: string;
    errors?: FieldError[];
  };
  const firstField = errors?.[0]?.path;
  return {
    error: {
      message: problem.message,
      type: errorType(problem.status),
      param: param ?? (firstField ? paramOf(firstField) : null),
      code: code ?? problem.kind,
    },
  };
}

/** The answer's intent, and a refused question as a denial, in the request's audit record (as /v1/ask). */
function auditOutcome(request: FastifyRequest, answer: Answer): void {
  const audit = (
    request as { audit?: { decision?: 'allow' | 'deny'; details: Record<string, unknown> } | null }
  ).audit;
  if (!audit) return;
  audit.details.intent = answer.intent;
  if (answer.kind === 'denied') {
    audit.decision = 'deny';
    audit.details.missingPermissions = answer.missingPermissions;
  }
}

/**
 * The OpenAI-compatible API: `GET /v1/models` and `POST /v1/chat/completions` (whole or streamed as
 * `chat.completion.chunk` events), answered by the sales fast path, so OpenAI clients and tools can
 * ask Parley with an access token or API key as their `apiKey`. Authentication, `sales:query`, rate
 * limits and audit come from the IAM pipeline like any route; only the error body differs: these
 * routes answer OpenAI's `{error: {message, type, param, code}}`, which OpenAI clients parse,
 * instead of problem+json.
 */
export function openAIRoutes(answerer: Answerer, clock: Clock = systemClock): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Scoped to this plugin: it also receives what the IAM hooks throw (401, 403, 429) for these routes.
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const problem = toProblem(error);
      if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
      return reply.code(problem.status).headers(problem.headers).send(openAIError(problem));
    });

    app.get(
      '/v1/models',
      {
        config: { permission: 'sales:query' },
        schema: {
          tags: ['openai'],
          summary: 'OpenAI-compatible: the models that answer chat completions',
          response: { 200: ModelListSchema },
        },
      },
      async () => ({ object: 'list' as const, data: [MODEL] }),
    );

    app.get(
      '/v1/models/:model',
      {
        config: { permission: 'sales:query' },
        schema: {
          tags: ['openai'],
          summary: 'OpenAI-compatible: one model',
          params: ModelParams,
          response: { 200: ModelSchema, 404: OpenAIErrorSchema },
        },
      },
      async (request) => {
        if (request.params.model !== PARLEY_MODEL) throw modelNotFound(request.params.model);
        return MODEL;
      },
    );

    app.post(
      '/v1/chat/completions',
      {
        config: { permission: 'sales:query' },
        schema: {
          tags: ['openai'],
          summary:
            'OpenAI-compatible chat completion: the last user message is answered by the sales fast path (stream: true sends chat.completion.chunk events)',
          body: ChatCompletionBody,
          response: { 200: ChatCompletionSchema, 400: OpenAIErrorSchema, 404: OpenAIErrorSchema },
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const body = request.body;
        if (body.model !== PARLEY_MODEL) throw modelNotFound(body.model);
        const question = questionOf(body.messages);
        const answer = await answerer.answer({
          tenantId: caller.tenantId,
          permissions: caller.permissions,
          question,
          subject: caller.subject,
        });
        auditOutcome(request, answer);
        const parts = {
          id: `chatcmpl-${randomUUID()}`,
          created: Math.floor(clock.now() / 1000),
          model: PARLEY_MODEL,
          question,
          answer,
          ...limitTokens(contentOf(answer), body.max_completion_tokens ?? body.max_tokens),
        };
        if (!body.stream) return completionOf(parts);
        // The answer is complete before the first byte; sent as a stream (not hijacked) so the IAM's
        // audit record is written before it starts. The 200 schema types the JSON reply; Fastify
        // pipes a stream unserialised, which the type provider cannot express (hence the cast).
        return reply
          .header('content-type', 'text/event-stream; charset=utf-8')
          .header('cache-control', 'no-cache')
          .header('x-accel-buffering', 'no')
          .send(Readable.from(chunksOf(parts, body.stream_options?.include_usage === true)) as never);
      },
    );
  };
}
