import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { type FieldError, ProblemError, problems } from '@parley/kit';
import type { Principal } from '@parley/kit/http';
import type { FastifyRequest } from 'fastify';
import Type from 'typebox';
import { Key } from '../model/segment.js';
import type { EnvironmentRef } from '../store/flag-store.js';
import type { PgFlagStore } from '../store/postgres/store.js';

export interface FlagsManagementOptions {
  store: PgFlagStore;
}

const DAY_MS = 86_400_000;

const ProjectParams = Type.Object({ project: Key });
const EnvironmentParams = Type.Object({ project: Key, environment: Key });
const SubjectParams = Type.Object({ project: Key, environment: Key, key: Key });
const IdParams = Type.Object({ project: Key, environment: Key, id: Type.String({ format: 'uuid' }) });
const Name = Type.String({ minLength: 1, maxLength: 200 });
const EnvironmentSettings = {
  protected: Type.Optional(Type.Boolean({ description: 'changes need approved change requests' })),
  requiredApprovals: Type.Optional(Type.Integer({ minimum: 1, maximum: 10 })),
};
/** Flag and segment documents are checked by validateFlag/validateSegment: they report every problem by path. */
const Definition = Type.Object(
  {},
  {
    additionalProperties: true,
    description:
      'A flag or segment definition (see the @parley/flags README); errors are reported by JSON Pointer',
  },
);
const ChangeRequestBody = Type.Object(
  {
    subject: Type.Enum(['flag', 'segment']),
    key: Key,
    operation: Type.Enum(['put', 'delete']),
    definition: Type.Optional(Definition),
    applyAt: Type.Optional(Type.String({ format: 'date-time' })),
  },
  { additionalProperties: false },
);

const read = { permission: 'flags:read' } as const;
const write = { permission: 'flags:write' } as const;

/**
 * Flag management over HTTP, scoped to the caller's tenant (every store call runs inside
 * withTenant, so row-level security holds even if a query forgot its tenant):
 *   /v1/flags/projects[/:project/environments[/:environment]]            projects, environments
 *   …/:environment/flags[/:key[/history]]  …/segments[/:key]             definitions, ETag/If-Match
 *   …/:environment/sdk-keys[/:id]                                        SDK keys (shown once)
 *   …/:environment/change-requests[/:id[/approvals|/cancel]]             protected environments
 *   …/:environment/stale-flags                                           stale-flag report
 */
export const flagsManagementPlugin: FastifyPluginAsyncTypebox<FlagsManagementOptions> = async (
  app,
  { store },
) => {
  app.get('/v1/flags/projects', { config: read }, async (request) => ({
    projects: await store.projects(tenantOf(request)),
  }));

  app.post(
    '/v1/flags/projects',
    {
      config: write,
      schema: {
        tags: ['flags'],
        body: Type.Object({ key: Key, name: Name }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      return reply.code(201).send(await store.createProject(tenantOf(request), request.body));
    },
  );

  app.get(
    '/v1/flags/projects/:project/environments',
    { config: read, schema: { tags: ['flags'], params: ProjectParams } },
    async (request) => ({
      environments: await store.environments(tenantOf(request), request.params.project),
    }),
  );

  app.post(
    '/v1/flags/projects/:project/environments',
    {
      config: write,
      schema: {
        tags: ['flags'],
        params: ProjectParams,
        body: Type.Object({ key: Key, name: Name, ...EnvironmentSettings }, { additionalProperties: false }),
      },
    },
    async (request, reply) => {
      const created = await store.createEnvironment(tenantOf(request), request.params.project, request.body);
      return reply.code(201).send(created);
    },
  );

  // Lifting protection skips approvals from then on: it takes the approver's permission too.
  app.patch(
    '/v1/flags/projects/:project/environments/:environment',
    {
      config: { permission: ['flags:write', 'flags:approve'] },
      schema: {
        tags: ['flags'],
        params: EnvironmentParams,
        body: Type.Object(
          { name: Type.Optional(Name), ...EnvironmentSettings },
          { additionalProperties: false, minProperties: 1 },
        ),
      },
    },
    async (request) => store.updateEnvironment(envOf(request), request.body),
  );

  const E = '/v1/flags/projects/:project/environments/:environment';

  // ── SDK keys ──
  app.get(
    `${E}/sdk-keys`,
    { config: write, schema: { tags: ['flags'], params: EnvironmentParams } },
    async (request) => ({
      sdkKeys: await store.sdkKeys(envOf(request)),
    }),
  );

  app.post(
    `${E}/sdk-keys`,
    {
      config: write,
      schema: {
        tags: ['flags'],
        params: EnvironmentParams,
        body: Type.Object(
          { kind: Type.Enum(['server', 'client']), name: Name },
          { additionalProperties: false },
        ),
      },
    },
    async (request, reply) => {
      const { key, view } = await store.createSdkKey(envOf(request), request.body, actorOf(request));
      return reply
        .code(201)
        .header('cache-control', 'no-store')
        .send({ ...view, key });
    },
  );

  app.delete(
    `${E}/sdk-keys/:id`,
    { config: write, schema: { tags: ['flags'], params: IdParams } },
    async (request, reply) => {
      await store.revokeSdkKey(envOf(request), request.params.id);
      return reply.code(204).send();
    },
  );

  // ── Flags and segments ──
  for (const subject of ['flag', 'segment'] as const) {
    const path = `${E}/${subject}s`;
    const list =
      subject === 'flag'
        ? (env: EnvironmentRef) => store.flags(env)
        : (env: EnvironmentRef) => store.segments(env);

    app.get(
      path,
      { config: read, schema: { tags: ['flags'], params: EnvironmentParams } },
      async (request) => ({
        [`${subject}s`]: await list(envOf(request)),
      }),
    );

    app.get(
      `${path}/:key`,
      { config: read, schema: { tags: ['flags'], params: SubjectParams } },
      async (request, reply) => {
        const found = (await list(envOf(request))).find((d) => d.key === request.params.key);
        if (!found) throw problems.notFound(`${subject} '${request.params.key}' not found`);
        return reply.header('etag', etagOf(found.version)).send(found);
      },
    );

    app.put(
      `${path}/:key`,
      { config: write, schema: { tags: ['flags'], params: SubjectParams, body: Definition } },
      async (request, reply) => {
        const body = withPathKey(request.body as Record<string, unknown>, request.params.key);
        const options = { actor: actorOf(request), ...ifMatch(request) };
        const env = envOf(request);
        const stored: { version?: number } = await inBody<{ version?: number }>(
          subject === 'flag' ? store.putFlag(env, body, options) : store.putSegment(env, body, options),
        );
        return reply
          .code(stored.version === 1 ? 201 : 200)
          .header('etag', etagOf(stored.version))
          .send(stored);
      },
    );

    app.delete(
      `${path}/:key`,
      { config: write, schema: { tags: ['flags'], params: SubjectParams } },
      async (request, reply) => {
        const options = { actor: actorOf(request), ...ifMatch(request) };
        const env = envOf(request);
        await (subject === 'flag'
          ? store.deleteFlag(env, request.params.key, options)
          : store.deleteSegment(env, request.params.key, options));
        return reply.code(204).send();
      },
    );
  }

  app.get(
    `${E}/flags/:key/history`,
    {
      config: read,
      schema: {
        tags: ['flags'],
        params: SubjectParams,
        querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })) }),
      },
    },
    async (request) => ({
      history: await store.history(envOf(request), 'flag', request.params.key, request.query.limit ?? 100),
    }),
  );

  app.get(
    `${E}/stale-flags`,
    {
      config: read,
      schema: {
        tags: ['flags'],
        params: EnvironmentParams,
        querystring: Type.Object({
          unusedDays: Type.Optional(Type.Number({ minimum: 0, maximum: 3650, description: 'default 7' })),
          rolledOutDays: Type.Optional(Type.Number({ minimum: 0, maximum: 3650, description: 'default 30' })),
        }),
      },
    },
    async (request) => {
      const entries = await store.staleFlags(envOf(request), {
        unusedMs: (request.query.unusedDays ?? 7) * DAY_MS,
        rolledOutMs: (request.query.rolledOutDays ?? 30) * DAY_MS,
      });
      return { flags: entries, stale: entries.filter((e) => e.reasons.length > 0).map((e) => e.key) };
    },
  );

  // ── Change requests ──
  app.get(
    `${E}/change-requests`,
    {
      config: read,
      schema: {
        tags: ['flags'],
        params: EnvironmentParams,
        querystring: Type.Object({
          status: Type.Optional(Type.Enum(['open', 'scheduled', 'applied', 'failed', 'cancelled'])),
        }),
      },
    },
    async (request) => ({ changeRequests: await store.changeRequests(envOf(request), request.query.status) }),
  );

  app.post(
    `${E}/change-requests`,
    { config: write, schema: { tags: ['flags'], params: EnvironmentParams, body: ChangeRequestBody } },
    async (request, reply) => {
      const created = await inBody(store.createChangeRequest(envOf(request), request.body, actorOf(request)));
      return reply.code(201).header('etag', etagOf(created.revision)).send(created);
    },
  );

  app.get(
    `${E}/change-requests/:id`,
    { config: read, schema: { tags: ['flags'], params: IdParams } },
    async (request, reply) => {
      const found = await store.changeRequest(envOf(request), request.params.id);
      return reply.header('etag', etagOf(found.revision)).send(found);
    },
  );

  app.put(
    `${E}/change-requests/:id`,
    { config: write, schema: { tags: ['flags'], params: IdParams, body: ChangeRequestBody } },
    async (request, reply) => {
      const edited = await inBody(
        store.editChangeRequest(
          envOf(request),
          request.params.id,
          request.body,
          actorOf(request),
          ifMatch(request).expectedVersion,
        ),
      );
      return reply.header('etag', etagOf(edited.revision)).send(edited);
    },
  );

  app.post(
    `${E}/change-requests/:id/approvals`,
    { config: { permission: 'flags:approve' }, schema: { tags: ['flags'], params: IdParams } },
    async (request) =>
      inBody(store.approveChangeRequest(envOf(request), request.params.id, actorOf(request))),
  );

  app.post(
    `${E}/change-requests/:id/cancel`,
    { config: write, schema: { tags: ['flags'], params: IdParams } },
    async (request) =>
      store.cancelChangeRequest(
        envOf(request),
        request.params.id,
        actorOf(request),
        principalOf(request).permissions.has('flags:approve'),
      ),
  );
};

/** The caller, set by the platform's authentication (these routes are never public). */
function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw problems.unauthorized();
  return request.principal;
}

function tenantOf(request: FastifyRequest): string {
  return principalOf(request).tenantId;
}

function actorOf(request: FastifyRequest): string {
  const { kind, subject } = principalOf(request);
  return `${kind}:${subject}`;
}

function envOf(request: FastifyRequest): EnvironmentRef {
  const { project, environment } = request.params as { project: string; environment: string };
  return { tenantId: tenantOf(request), project, environment };
}

function etagOf(version: number | undefined): string {
  return `"${version ?? 0}"`;
}

/** `If-Match: "<version>"` → the version the change was made against (412 when it moved on). */
function ifMatch(request: FastifyRequest): { expectedVersion?: number } {
  const header = request.headers['if-match'];
  if (header === undefined) return {};
  const match = /^(?:W\/)?"(\d{1,15})"$/.exec(header.trim());
  if (!match) throw problems.badRequest('If-Match must be one ETag of this resource, as returned by GET');
  return { expectedVersion: Number(match[1]) };
}

/** The path names the flag: a body without a key takes it, a body with another key is an error. */
function withPathKey(body: Record<string, unknown>, key: string): Record<string, unknown> {
  if (body.key !== undefined && body.key !== key)
    throw problems.validation([{ path: '/body/key', message: `must be '${key}', the key in the path` }]);
  return { ...body, key };
}

/** Definition problems come with paths into the definition; on the wire they point into the body. */
async function inBody<T>(work: Promise<T>): Promise<T> {
  try {
    return await work;
  } catch (error) {
    if (error instanceof ProblemError && error.kind === 'validation') {
      const errors = (error.extensions.errors as FieldError[]).map((e) => ({ ...e, path: `/body${e.path}` }));
      throw problems.validation(errors);
    }
    throw error;
  }
}
