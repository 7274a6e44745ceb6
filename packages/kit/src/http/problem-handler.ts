import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type FieldError, ProblemError, problems } from '../errors.js';

type ValidationIssue = NonNullable<FastifyError['validation']>[number];

/** Fastify/ajv validation issue → JSON Pointer of the field at fault, rooted at its part (`/body/...`). */
function fieldPath(issue: ValidationIssue, context: string | undefined): string {
  const base = `/${context ?? 'body'}`;
  let path = issue.instancePath ?? '';
  const params = issue.params as Record<string, unknown>;
  if (issue.keyword === 'required' && typeof params.missingProperty === 'string') {
    path += `/${params.missingProperty}`;
  } else if (issue.keyword === 'additionalProperties' && typeof params.additionalProperty === 'string') {
    path += `/${params.additionalProperty}`;
  }
  return base + path;
}

function describe(issue: ValidationIssue): string {
  if (issue.keyword === 'additionalProperties') return 'is not an allowed property';
  if (issue.keyword === 'required') return 'is required';
  return issue.message ?? `failed ${issue.keyword}`;
}

/** Maps Fastify's own error codes to problem kinds; anything unknown becomes an opaque 500. */
export function toProblem(error: FastifyError | ProblemError | Error): ProblemError {
  if (error instanceof ProblemError) return error;
  const fastifyError = error as FastifyError;
  if (fastifyError.validation) {
    const errors: FieldError[] = fastifyError.validation.map((issue) => ({
      path: fieldPath(issue, fastifyError.validationContext),
      message: describe(issue),
    }));
    return problems.validation(errors);
  }
  switch (fastifyError.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return problems.payloadTooLarge('The request body is larger than this endpoint accepts');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return problems.unsupportedMediaType('This endpoint does not accept that Content-Type');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return problems.badRequest('The Content-Length header does not match the body');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return problems.badRequest('The body is empty but Content-Type says application/json');
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return problems.badRequest('The body is not valid JSON');
  }
  if (error instanceof SyntaxError) return problems.badRequest('The body is not valid JSON');
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ProblemError('bad-request', status, 'Bad Request', error.message);
  }
  return problems.internal();
}

export function sendProblem(
  request: FastifyRequest,
  reply: FastifyReply,
  problem: ProblemError,
): FastifyReply {
  return reply
    .code(problem.status)
    .headers(problem.headers)
    .type('application/problem+json')
    .send(problem.toBody(request.url.split('?')[0]));
}

/**
 * Every error leaves as RFC 9457 problem+json. Server faults are logged with their stack and
 * answered with an opaque body: no stack trace or internal message reaches the client.
 */
export function installProblemHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const problem = toProblem(error);
    if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendProblem(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(
      request,
      reply,
      problems.notFound(`No route for ${request.method} ${request.url.split('?')[0]}`),
    ),
  );
}
