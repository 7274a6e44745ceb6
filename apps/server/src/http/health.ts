import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';

/** A dependency the server needs to serve traffic; readiness fails while any check fails. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2_000;

const Status = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  checks: Type.Optional(
    Type.Record(Type.String(), Type.Object({ status: Type.String(), error: Type.Optional(Type.String()) })),
  ),
});

async function runCheck(check: ReadinessCheck): Promise<{ status: string; error?: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return { status: 'ok' };
  } catch (error) {
    // Only the reason, never connection strings or stacks: this endpoint is public.
    return { status: 'failing', error: (error as Error).message.replace(/\w+:\/\/\S+/g, '[url]') };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes(checks: ReadinessCheck[], isShuttingDown: () => boolean) {
  return async function routes(app: FastifyInstance): Promise<void> {
    app.get(
      '/health/live',
      { config: { public: true }, schema: { tags: ['health'], response: { 200: Status } } },
      async () => ({ status: 'ok' as const }),
    );
    app.get(
      '/health/ready',
      { config: { public: true }, schema: { tags: ['health'], response: { 200: Status, 503: Status } } },
      async (_request, reply) => {
        const results = await Promise.all(checks.map(async (c) => [c.name, await runCheck(c)] as const));
        const ready = !isShuttingDown() && results.every(([, r]) => r.status === 'ok');
        return reply.code(ready ? 200 : 503).send({
          status: ready ? 'ok' : 'unavailable',
          checks: Object.fromEntries(results),
        });
      },
    );
  };
}
