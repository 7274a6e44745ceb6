import { problems } from '@parley/kit';
import type {} from '@parley/kit/http';
import type { FastifyRequest } from 'fastify';
import type { Access, Caller } from '../conversations/access.js';

/** The authenticated principal as a conversation caller; the routes all declare a permission, so one exists. */
export function callerOf(request: FastifyRequest): Caller {
  const principal = request.principal;
  if (!principal || principal.kind === 'anonymous') throw problems.unauthorized();
  return { tenantId: principal.tenantId, subject: principal.subject, permissions: principal.permissions };
}

/**
 * Marks, in this request's audit record, an admin reading a conversation that is not theirs. The
 * IAM pipeline records every request with its route parameters (so the conversation id); this adds
 * how it was reached and whose it is. Without the IAM pipeline there is no record to add to.
 */
export function auditAccess(request: FastifyRequest, access: Access, ownerId: string): void {
  if (access !== 'tenant-reader') return;
  const audit = (request as { audit?: { details: Record<string, unknown> } }).audit;
  if (audit) Object.assign(audit.details, { access: 'conversations:read_all', conversationOwner: ownerId });
}
