import { problems } from '@parley/kit';
import type { FastifyRequest } from 'fastify';
import { actorOf } from '../authn/authenticate.js';
import type { Actor } from '../iam.js';

/** The caller's tenant: tenant-scoped routes work inside it and nowhere else. */
export function callerTenant(request: FastifyRequest): string {
  if (!request.principal) throw problems.unauthorized();
  return request.principal.tenantId;
}

/** The caller as the actor of the audit events its changes cause. */
export function callerActor(request: FastifyRequest): Actor {
  return { actor: actorOf(request.principal), requestId: request.id, ip: request.ip };
}
