import { type Iam, iamRoutes, installAccessControl } from '@parley/iam';
import type { Logger } from '@parley/kit';
import {
  installProblemHandlers,
  installStrictValidation,
  requestIdFrom,
  requireDeclaredAccess,
} from '@parley/kit/http';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyInstance,
  type FastifyPluginAsync,
  LogController,
} from 'fastify';
import type { Registry } from 'prom-client';
import { healthRoutes, type ReadinessCheck } from './http/health.js';
import { installMetrics } from './http/observability.js';
import { DOCS_PREFIX, installOpenApi } from './http/openapi.js';
import { VERSION } from './version.js';

export interface AppOptions {
  logger: Logger;
  bodyLimit: number;
  readiness: ReadinessCheck[];
  /** Feature plugins from the packages, mounted after the cross-cutting hooks. */
  modules?: FastifyPluginAsync[];
  /**
   * Identity and access: when given, every request is authenticated, rate limited, authorized
   * against its route's declared permission and audited, and the IAM routes are mounted.
   */
  iam?: Iam;
  /** The registry /metrics serves; the modules' own series are in it (a new one when absent). */
  metricsRegistry?: Registry;
}

/**
 * The composition root of the HTTP server: cross-cutting concerns installed once (request ids,
 * problem+json errors, deny-by-default route access, authentication/authorization/rate limits/audit,
 * metrics, OpenAPI), then each module's plugin.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.logger as FastifyBaseLogger,
    genReqId: requestIdFrom,
    logController: new LogController({ requestIdLogLabel: 'requestId' }),
    bodyLimit: options.bodyLimit,
    return503OnClosing: true,
  });

  installStrictValidation(app);
  installProblemHandlers(app);
  requireDeclaredAccess(app, [DOCS_PREFIX]);
  if (options.iam) installAccessControl(app, options.iam);
  // While closing, readiness answers 503 so load balancers drain the instance, and answers to
  // in-flight requests end their keep-alive connections (close() would wait on idle sockets).
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  app.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id);
    if (closing) reply.header('connection', 'close');
  });
  const registry = installMetrics(app, options.metricsRegistry);
  await installOpenApi(app, VERSION);

  await app.register(healthRoutes(options.readiness, () => closing));
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
  if (options.iam) await app.register(iamRoutes(options.iam));
  for (const module of options.modules ?? []) await app.register(module);
  return app;
}
