import { Readable } from 'node:stream';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { problems } from '@parley/kit';
import { Type } from 'typebox';
import type { NarrationTasks } from '../tasks/narration-tasks.js';
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

export const TaskSchema = Type.Object({
  id: Type.String(),
  kind: Type.Literal('narration'),
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
  result: Type.Optional(NarrationSchema),
  error: Type.Optional(Type.String()),
});

const notFound = () => problems.notFound('No such task');

/**
 * The tasks of the slow path: read one, follow it as Server-Sent Events (state, tokens as the
 * model writes them, then the result), or cancel it. A task is visible to the user who started it
 * only; any other id is a 404, whoever's it is.
 */
export function taskRoutes(tasks: NarrationTasks): FastifyPluginAsyncTypebox {
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
        return task;
      },
    );

    app.get(
      '/v1/tasks/:id/events',
      {
        config: { permission: 'conversations:read' },
        schema: {
          tags: ['tasks'],
          summary:
            'Follow a task as Server-Sent Events: state, started, token, fallback, then completed, failed or cancelled',
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
