import { problems } from '@parley/kit';
import type { Principal } from '@parley/kit/http';
import { installProblemHandlers, installStrictValidation, sendProblem } from '@parley/kit/http';
import Fastify, { type FastifyInstance } from 'fastify';
import { flagsDeliveryPlugin, flagsManagementPlugin } from '../../src/api/index.js';
import type { PgFlagStore } from '../../src/store/index.js';

export interface Caller {
  tenantId: string;
  subject: string;
  permissions: string[];
}

/**
 * The flags plugins behind a stand-in for the platform's access control: the caller comes from
 * an `x-test-caller` header and each route's declared permission is enforced, as the IAM guard
 * does in the server (whose own access-matrix test covers the real guard).
 */
export async function managementApp(store: PgFlagStore): Promise<FastifyInstance> {
  const app = Fastify();
  installStrictValidation(app);
  installProblemHandlers(app);
  app.addHook('preHandler', async (request, reply) => {
    const config = request.routeOptions.config;
    if (config.public) return;
    const header = request.headers['x-test-caller'];
    if (typeof header !== 'string') return sendProblem(request, reply, problems.unauthorized());
    const caller = JSON.parse(header) as Caller;
    const principal: Principal = {
      tenantId: caller.tenantId,
      subject: caller.subject,
      kind: 'user',
      roles: [],
      permissions: new Set(caller.permissions),
    };
    request.principal = principal;
    const needed = config.permission === undefined ? [] : [config.permission].flat();
    if (!needed.every((p) => principal.permissions.has(p)))
      return sendProblem(request, reply, problems.forbidden());
  });
  await app.register(flagsManagementPlugin, { store });
  await app.register(flagsDeliveryPlugin, {
    store,
    resolveKey: (key) => store.resolveKey(key),
    heartbeatMs: 1_000,
    usageFlushMs: 100,
  });
  return app;
}

export function as(caller: Caller): Record<string, string> {
  return { 'x-test-caller': JSON.stringify(caller) };
}
