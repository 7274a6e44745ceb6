import { problems } from '@parley/kit';
import type {} from '@parley/kit/http';
import type { FastifyRequest } from 'fastify';
import type { Access, Caller } from '../conversations/access.js';
import type { MessageView } from '../conversations/views.js';

/** The authenticated principal as a conversation caller; the routes all declare a permission, so one exists. */
export function callerOf(request: FastifyRequest): Caller {
  const principal = request.principal;
  if (!principal || principal.kind === 'anonymous') throw problems.unauthorized();
  return { tenantId: principal.tenantId, subject: principal.subject, permissions: principal.permissions };
}

/** The request's audit record, when the IAM pipeline keeps one (it writes it after the response). */
function auditOf(request: FastifyRequest) {
  return (request as { audit?: { decision?: 'allow' | 'deny'; details: Record<string, unknown> } | null })
    .audit;
}

/**
 * Marks, in this request's audit record, an admin reading a conversation that is not theirs. The
 * IAM pipeline records every request with its route parameters (so the conversation id); this adds
 * how it was reached and whose it is. Without the IAM pipeline there is no record to add to.
 */
export function auditAccess(request: FastifyRequest, access: Access, ownerId: string): void {
  const audit = auditOf(request);
  if (audit && access === 'tenant-reader')
    Object.assign(audit.details, { access: 'conversations:read_all', conversationOwner: ownerId });
}

/** The answer's intent, and a refused question (missing permissions) as a denial, as /v1/ask records them. */
export function auditAnswer(request: FastifyRequest, answer: MessageView): void {
  const audit = auditOf(request);
  if (!audit) return;
  audit.details.intent = answer.intent;
  const outcome = answer.answer as { kind?: string; missingPermissions?: unknown } | null;
  if (outcome?.kind === 'denied') {
    audit.decision = 'deny';
    audit.details.missingPermissions = outcome.missingPermissions;
  }
}
