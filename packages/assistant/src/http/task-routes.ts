import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '@parley/kit';
import { type Static, Type } from 'typebox';
import type { TaskSource } from '../tasks/directory.js';
import { callerOf } from './caller.js';

const TaskParams = Type.Object({ id: Type.String({ format: 'uuid' }) });

const NarrationSchema = Type.Object({
  text: Type.String(),
  provider: Type.String(),
  model: Type.String(),
  label: Type.String(),
  tokens: Type.Optional(Type.Object({ prompt: Type.Integer(), completion: Type.Integer() })),
  fallbackReason: Type.Optional(Type.String()),
});

const ReportResultSchema = Type.Object({
  title: Type.String(),
  files: Type.Array(
    Type.Object({
      id: Type.String({ format: 'uuid' }),
      filename: Type.String(),
      mediaType: Type.String(),
      sizeBytes: Type.Integer(),
      sha256: Type.String(),
      href: Type.String({ description: "the attachment's download route" }),
    }),
  ),
  rows: Type.Integer(),
  dataVersion: Type.Integer(),
});

export const TaskSchema = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('narration'), Type.Literal('report')]),
  state: Type.Union([
    Type.Literal('waiting'),
    Type.Literal('active'),
    Type.Literal('completed'),
    Type.Literal('failed'),
    Type.Literal('cancelled'),
  ]),
  createdAt: Type.String({ format: 'date-time' }),
  finishedAt: Type.Optional(Type.String({ format: 'date-time' })),
  attempts: Type.Integer(),
  result: Type.Optional(Type.Union([NarrationSchema, ReportResultSchema])),
  error: Type.Optional(Type.String()),
});

const notFound = () => problems.notFound('No such task');

/**
 * The tasks of the slow path (narrations and reports): read one, follow it as Server-Sent Events
 * (state, tokens as the model writes them or a report's steps, then the result), or cancel it. A task is visible to the user who started it
 * only; any other id is a 404, whoever's it is.
 */
export function taskRoutes(tasks: TaskSource): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Event streams are long-lived: end them when the server closes, or close would wait on them.
    const streams = new Set<AbortController>();
    app.addHook('onClose', async () => {
      for (const controller of streams) controller.abort();
    });

    app.get(
      '/v1/tasks/:id',
      {
        config: { permission: 'conversations:read' },
        schema: {
          tags: ['tasks'],
          summary: 'A task of yours',
          params: TaskParams,
          response: { 200: TaskSchema },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const task = await tasks.get(caller.tenantId, caller.subject, request.params.id);
        if (!task) throw notFound();
        // Each queue's result has its own shape; the schema lists them all.
        return task as Static<typeof TaskSchema>;
      },
    );

    app.get(
      '/v1/tasks/:id/events',
      {
        config: { permission: 'conversations:read' },
        schema: {
          tags: ['tasks'],
          summary:
            'Follow a task as Server-Sent Events: state, started, token, fallback or progress, then completed, failed or cancelled',
          params: TaskParams,
        },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const { id } = request.params;
        if (!(await tasks.get(caller.tenantId, caller.subject, id))) throw notFound();
        const controller = new AbortController();
        streams.add(controller);
        request.raw.on('close', () => controller.abort());
        async function* frames() {
          try {
            for await (const event of tasks.watch(caller.tenantId, caller.subject, id, controller.signal))
              yield `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
          } finally {
            streams.delete(controller);
          }
        }
        // Sent as a stream (not hijacked), so the IAM's audit record is written before it starts.
        return reply
          .header('content-type', 'text/event-stream; charset=utf-8')
          .header('cache-control', 'no-cache')
          .header('x-accel-buffering', 'no')
          .send(Readable.from(frames()));
      },
    );

    app.delete(
      '/v1/tasks/:id',
      {
        config: { permission: 'conversations:write' },
        schema: { tags: ['tasks'], summary: 'Cancel a waiting or running task of yours', params: TaskParams },
      },
      async (request, reply) => {
        const caller = callerOf(request);
        const { id } = request.params;
        if (await tasks.cancel(caller.tenantId, caller.subject, id)) return reply.code(202).send();
        if (!(await tasks.get(caller.tenantId, caller.subject, id))) throw notFound();
        throw problems.conflict('The task has finished already');
      },
    );
  };
}
