import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type Static, Type } from 'typebox';
import { type AuditFilter, type AuditRecord, exportAudit, queryAudit } from '../audit/query.js';
import type { Iam } from '../iam.js';
import { callerTenant } from './caller.js';

const Filters = {
  actor: Type.Optional(Type.String({ maxLength: 200 })),
  action: Type.Optional(Type.String({ maxLength: 200 })),
  decision: Type.Optional(Type.Union([Type.Literal('allow'), Type.Literal('deny')])),
  kind: Type.Optional(Type.Union([Type.Literal('request'), Type.Literal('event')])),
  from: Type.Optional(Type.String({ format: 'date-time' })),
  to: Type.Optional(Type.String({ format: 'date-time' })),
};
const ListQuery = Type.Object(
  {
    ...Filters,
    cursor: Type.Optional(Type.Integer({ minimum: 1 })),
    limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  },
  { additionalProperties: false },
);
const ExportQuery = Type.Object(Filters, { additionalProperties: false });

function filterOf(query: Static<typeof ExportQuery>): Omit<AuditFilter, 'limit'> {
  return {
    actor: query.actor,
    action: query.action,
    decision: query.decision,
    kind: query.kind,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
  };
}

function view(record: AuditRecord) {
  return { ...record, time: record.time.toISOString() };
}

/** The caller's tenant's audit trail: filtered pages (newest first, cursor paging) and NDJSON export. */
export function auditRoutes(iam: Iam): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.get(
      '/v1/audit-events',
      { config: { permission: 'audit:read' }, schema: { querystring: ListQuery } },
      async (request) => {
        const { cursor, limit, ...filters } = request.query;
        const page = await queryAudit(iam.db, callerTenant(request), {
          ...filterOf(filters),
          before: cursor,
          limit,
        });
        return { events: page.records.map(view), nextCursor: page.next ?? null };
      },
    );

    app.get(
      '/v1/audit-events/export',
      { config: { permission: 'audit:read' }, schema: { querystring: ExportQuery } },
      async (request, reply) => {
        const records = exportAudit(iam.db, callerTenant(request), filterOf(request.query));
        async function* ndjson() {
          for await (const record of records) yield `${JSON.stringify(view(record))}\n`;
        }
        return reply.type('application/x-ndjson').send(Readable.from(ndjson()));
      },
    );
  };
}
