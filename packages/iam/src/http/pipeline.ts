import { ProblemError, problems } from '@parley/kit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { actorOf, type WindowPlan } from '../authn/authenticate.js';
import { isAllowed } from '../authz/principals.js';
import type { Iam } from '../iam.js';
import type { WindowRequest, WindowResult } from '../shared/state.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `auth`: login and refresh, limited per IP more strictly than other routes. */
    rateLimit?: 'auth';
  }
  interface FastifyRequest {
    /** What the audit record of this request says beyond what the pipeline sees. */
    audit: RequestAudit;
  }
}

export interface RequestAudit {
  /** The tenant the record belongs to when there is no principal (e.g. a login). */
  tenantId?: string;
  actor?: string;
  decision?: 'allow' | 'deny';
  details: Record<string, unknown>;
}

function unauthorized(detail: string, invalidToken: boolean): ProblemError {
  const challenge = invalidToken ? 'Bearer realm="parley", error="invalid_token"' : 'Bearer realm="parley"';
  return new ProblemError('unauthorized', 401, 'Unauthorized', detail, {}, { 'www-authenticate': challenge });
}

/**
 * The request pipeline, installed once on the root instance so it covers every route:
 * authenticate (Bearer access token or API key) → rate limit (per principal, or per IP when
 * anonymous; stricter on login/refresh) → authorize (the route's declared permissions, deny by
 * default) → handler → audit record committed before the response leaves (503 if it cannot be).
 * Public routes ignore credentials that fail (they need none; other schemes such as SDK keys
 * may use the same header there).
 */
export function installAccessControl(app: FastifyInstance, iam: Iam): void {
  app.decorateRequest('audit', null as unknown as RequestAudit);

  app.addHook('onRequest', async (request, reply) => {
    request.audit = { details: {} };
    const config = request.routeOptions.config ?? {};
    const isPublic = config.public === true || request.is404;
    const { authentication, windows } = await iam.authenticator.authenticate(
      request.headers,
      windowPlan(iam, request.ip, config.rateLimit === 'auth'),
    );
    if (authentication.outcome === 'authenticated') request.principal = authentication.principal;
    if (authentication.outcome === 'rejected') request.audit.details.credential = authentication.reason;
    applyRateLimit(request, reply, windows);

    if (isPublic) return;
    const required = config.permission;
    if (authentication.outcome === 'rejected')
      throw deny(request, unauthorized('The credentials are invalid, expired or revoked', true));
    if (!request.principal) throw deny(request, unauthorized('Authentication required', false));
    if (!required || !isAllowed(request.principal, required))
      throw deny(request, problems.forbidden('You do not have permission to do this'));
    request.audit.decision = 'allow';
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const config = request.routeOptions.config ?? {};
    const permission = config.permission;
    const principal = request.principal;
    const status = reply.statusCode;
    // Set by the first hook; absent only if Fastify answered before any hook ran.
    request.audit ??= { details: {} };
    try {
      await iam.audit.append({
        tenantId: principal?.tenantId ?? request.audit.tenantId,
        kind: 'request',
        actor: request.audit.actor ?? actorOf(principal),
        action: permission ? [permission].flat().join(',') : config.public ? 'public' : 'unmatched',
        resource: resourceOf(request),
        decision:
          request.audit.decision ?? (status === 401 || status === 403 || status === 429 ? 'deny' : 'allow'),
        status,
        route: `${request.method} ${request.routeOptions.url ?? request.url.split('?')[0]}`,
        ip: request.ip,
        userAgent: request.headers['user-agent']?.slice(0, 512),
        requestId: request.id,
        latencyMs: Math.round(reply.elapsedTime),
        details: request.audit.details,
      });
      return payload;
    } catch (error) {
      // No record, no response: the client learns the request failed, not what it returned.
      request.log.error({ err: error }, 'audit write failed; answering 503');
      const problem = problems.unavailable('The request could not be recorded in the audit log', 5);
      reply.code(503).headers(problem.headers).header('content-type', 'application/problem+json');
      return JSON.stringify(problem.toBody(request.url.split('?')[0]));
    }
  });
}

function deny(request: FastifyRequest, problem: ProblemError): ProblemError {
  request.audit.decision = 'deny';
  return problem;
}

/** Per principal, or per IP when anonymous; login and refresh also per IP under the auth limit. */
function windowPlan(iam: Iam, ip: string, authRoute: boolean): WindowPlan {
  const limits = iam.rateLimits;
  return (principal) => {
    const windows: WindowRequest[] = [
      principal
        ? {
            key: `user:${principal.tenantId}:${actorOf(principal)}`,
            limit: principal.rateLimit ?? limits.userPerMinute,
          }
        : { key: `ip:${ip}`, limit: limits.anonymousPerMinute },
    ];
    if (authRoute) windows.push({ key: `auth:${ip}`, limit: limits.authPerMinute });
    return windows;
  };
}

/** Headers of the tightest window; 429 when one is full. */
function applyRateLimit(request: FastifyRequest, reply: FastifyReply, windows: WindowResult[]): void {
  let tightest: WindowResult | undefined;
  for (const result of windows)
    if (!tightest || !result.allowed || result.remaining < tightest.remaining) tightest = result;
  if (!tightest) return;
  const resetSeconds = Math.max(1, Math.ceil(tightest.resetMs / 1000));
  reply.header('ratelimit-limit', String(tightest.limit));
  reply.header('ratelimit-remaining', String(tightest.remaining));
  reply.header('ratelimit-reset', String(resetSeconds));
  if (!tightest.allowed) throw deny(request, problems.tooManyRequests(resetSeconds));
}

function resourceOf(request: FastifyRequest): string | undefined {
  const params = request.params as Record<string, string> | undefined;
  if (!params || Object.keys(params).length === 0) return undefined;
  return JSON.stringify(params);
}
