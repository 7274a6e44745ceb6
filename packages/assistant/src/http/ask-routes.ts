import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '@parley/kit';
import type {} from '@parley/kit/http';
import { Type } from 'typebox';
import type { Answerer } from '../analytics/answerer.js';

/** Longest question accepted; the slot extractor reads at most 500 characters of it anyway. */
export const MAX_ASK_CHARS = 2000;

const Cell = Type.Union([Type.String(), Type.Number(), Type.Null()]);

export const AnswerSchema = Type.Object({
  kind: Type.Union([
    Type.Literal('answer'),
    Type.Literal('clarify'),
    Type.Literal('denied'),
    Type.Literal('help'),
    Type.Literal('out_of_scope'),
    Type.Literal('task_required'),
  ]),
  text: Type.String(),
  intent: Type.String(),
  confidence: Type.Number(),
  classifierVersion: Type.String(),
  table: Type.Optional(
    Type.Object({ columns: Type.Array(Type.String()), rows: Type.Array(Type.Array(Cell)) }),
  ),
  chart: Type.Optional(Type.Unknown({ description: 'Vega-Lite v5 specification' })),
  plan: Type.Optional(Type.Unknown({ description: 'The semantic query plan' })),
  dataVersion: Type.Optional(Type.Integer()),
  missingPermissions: Type.Optional(Type.Array(Type.String())),
});

export const AskBody = Type.Object(
  { question: Type.String({ minLength: 1, maxLength: MAX_ASK_CHARS }) },
  { additionalProperties: false },
);

/** The request's audit record, when the IAM pipeline keeps one (it writes it after the response). */
interface AuditedRequest {
  audit?: { decision?: 'allow' | 'deny'; details: Record<string, unknown> } | null;
}

/**
 * `POST /v1/ask`: one question, answered synchronously by the sales fast path. Needs `sales:query`;
 * customer-level detail and reports need more, which the answer says (kind `denied`) rather than
 * failing the request, since the question itself was fine.
 */
export function askRoutes(answerer: Answerer): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/ask',
      {
        config: { permission: 'sales:query' },
        schema: {
          tags: ['assistant'],
          summary: 'Ask a sales question: numbers, a table, a Vega-Lite chart and a grounded narrative',
          body: AskBody,
          response: { 200: AnswerSchema },
        },
      },
      async (request) => {
        const principal = request.principal;
        if (!principal) throw problems.unauthorized();
        if (request.body.question.trim() === '') throw problems.badRequest('question must not be blank');
        const answer = await answerer.answer({
          tenantId: principal.tenantId,
          permissions: principal.permissions,
          question: request.body.question,
          subject: principal.subject,
        });
        // A refused question is a denial in the audit log, though the request itself succeeded.
        const audit = (request as AuditedRequest).audit;
        if (audit) {
          audit.details.intent = answer.intent;
          if (answer.kind === 'denied') {
            audit.decision = 'deny';
            audit.details.missingPermissions = answer.missingPermissions;
          }
        }
        return answer;
      },
    );
  };
}
