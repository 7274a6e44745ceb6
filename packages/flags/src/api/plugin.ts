import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import Type from 'typebox';
import { compileRuleset } from '../evaluate/compile.js';
import { Evaluator } from '../evaluate/evaluator.js';
import type { EvaluationContext } from '../evaluate/result.js';
import { MAX_FLAGS_PER_RULESET } from '../model/limits.js';
import {
  type EnvironmentRef,
  environmentId,
  type FlagStore,
  type RulesetChange,
  type RulesetSnapshot,
} from '../store/flag-store.js';
import { UsageCounter } from '../usage.js';
import { presentedKey, type SdkKeyGrant, type SdkKeyResolver } from './keys.js';
import { isFailure, ofrepResult, ofrepStatus } from './ofrep.js';
import { HEARTBEAT, patchEvent, rulesetEvent } from './sse.js';

export interface FlagsDeliveryOptions {
  store: FlagStore;
  /** Maps a presented SDK key to the environment it grants (undefined: unknown key, 401). */
  resolveKey: SdkKeyResolver;
  /** Interval of SSE heartbeat comments (default 15 s). */
  heartbeatMs?: number;
  /** Clock for date clauses without `currentTime` and for usage timestamps. */
  now?: () => number;
  /** How often OFREP evaluation counts are written to the store (default 10 s). */
  usageFlushMs?: number;
}

const OfrepRequest = Type.Object({
  context: Type.Optional(
    Type.Record(Type.String(), Type.Unknown(), { description: 'The evaluation context' }),
  ),
});
const Key = Type.Object({ key: Type.String({ minLength: 1, maxLength: 256 }) });
const UsageReport = Type.Object(
  {
    counts: Type.Record(Type.String({ maxLength: 256 }), Type.Integer({ minimum: 0 }), {
      maxProperties: MAX_FLAGS_PER_RULESET,
    }),
  },
  { additionalProperties: false },
);

declare module 'fastify' {
  interface FastifyRequest {
    sdkGrant?: SdkKeyGrant;
  }
}

/**
 * Flag delivery, authenticated by SDK key (so the routes are public to the platform's auth):
 *   GET  /sdk/v1/ruleset                 the environment's ruleset, ETag/If-None-Match (server keys)
 *   GET  /sdk/v1/stream                  Server-Sent Events: the ruleset now, then a patch per change
 *   POST /sdk/v1/usage                   evaluation counts from an SDK, for the stale-flag report
 *   POST /ofrep/v1/evaluate/flags/{key}  OFREP single evaluation (server or client keys)
 *   POST /ofrep/v1/evaluate/flags        OFREP bulk evaluation, with ETag
 * Client keys only evaluate: they never receive rules.
 */
export const flagsDeliveryPlugin: FastifyPluginAsyncTypebox<FlagsDeliveryOptions> = async (app, options) => {
  const { store, resolveKey } = options;
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const evaluators = new WeakMap<RulesetSnapshot, Evaluator>();
  const evaluatorFor = (snapshot: RulesetSnapshot) => {
    let evaluator = evaluators.get(snapshot);
    if (!evaluator) {
      evaluator = new Evaluator(compileRuleset(snapshot.ruleset), options.now ? { now: options.now } : {});
      evaluators.set(snapshot, evaluator);
    }
    return evaluator;
  };

  const authenticate =
    (kinds: SdkKeyGrant['kind'][], ofrep: boolean) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      const key = presentedKey(request);
      const grant = key === undefined ? undefined : await resolveKey(key);
      // OFREP defines 401/403 without a body; the SDK routes answer with problem details.
      if (!grant)
        return ofrep
          ? reply.code(401).send()
          : reply.code(401).type('application/problem+json').send(problem(401, 'unknown or missing SDK key'));
      if (!kinds.includes(grant.kind))
        return ofrep
          ? reply.code(403).send()
          : reply
              .code(403)
              .type('application/problem+json')
              .send(problem(403, 'a client key cannot download rulesets'));
      request.sdkGrant = grant;
    };

  // OFREP evaluations are counted per environment and written in batches.
  const ofrepUsage = new Map<string, { environment: EnvironmentRef; counter: UsageCounter }>();
  const countOfrep = (environment: EnvironmentRef, key: string) => {
    const id = environmentId(environment);
    let entry = ofrepUsage.get(id);
    if (!entry) {
      entry = { environment, counter: new UsageCounter() };
      ofrepUsage.set(id, entry);
    }
    entry.counter.add(key);
  };
  const flushUsage = async () => {
    const at = (options.now ?? Date.now)();
    for (const { environment, counter } of ofrepUsage.values()) {
      const batch = counter.take();
      if (batch) await store.recordEvaluations(environment, batch, at).catch(() => counter.restore(batch));
    }
  };
  const flushTimer = setInterval(() => void flushUsage(), options.usageFlushMs ?? 10_000);
  flushTimer.unref();
  app.addHook('onClose', async () => {
    clearInterval(flushTimer);
    await flushUsage();
  });

  app.setErrorHandler((error: Error & { validation?: unknown; statusCode?: number }, request, reply) => {
    if (!request.url.startsWith('/ofrep/')) throw error;
    const status = error.statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'OFREP evaluation failed');
      return reply.code(500).send({ errorDetails: 'internal error' });
    }
    const key = (request.params as { key?: string } | undefined)?.key;
    const errorCode = error.validation ? 'INVALID_CONTEXT' : 'PARSE_ERROR';
    return reply
      .code(400)
      .send({ ...(key !== undefined && { key }), errorCode, errorDetails: error.message });
  });

  app.get(
    '/sdk/v1/ruleset',
    {
      config: { public: true },
      preHandler: authenticate(['server'], false),
    },
    async (request, reply) => {
      const snapshot = await store.snapshot(request.sdkGrant!.environment);
      reply.header('etag', snapshot.etag).header('cache-control', 'no-cache');
      if (request.headers['if-none-match'] === snapshot.etag) return reply.code(304).send();
      return reply.type('application/json').send(snapshot.json);
    },
  );

  // Streams are hijacked, long-lived connections: end them when the server closes, or close would wait.
  const streams = new Set<ServerResponse>();
  app.addHook('preClose', async () => {
    for (const stream of streams) stream.end();
  });

  app.get(
    '/sdk/v1/stream',
    {
      config: { public: true },
      preHandler: authenticate(['server'], false),
    },
    async (request, reply) => {
      const environment = request.sdkGrant!.environment;
      reply.hijack();
      const raw = reply.raw;
      raw.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      raw.flushHeaders();
      let last = -1;
      const send = (snapshot: RulesetSnapshot, change?: RulesetChange) => {
        if (snapshot.version <= last) return;
        raw.write(change && change.from === last ? patchEvent(change) : rulesetEvent(snapshot));
        last = snapshot.version;
      };
      const unsubscribe = store.subscribe(environment, send);
      streams.add(raw);
      send(await store.snapshot(environment));
      const heartbeat = setInterval(() => raw.write(HEARTBEAT), heartbeatMs);
      heartbeat.unref();
      request.raw.once('close', () => {
        clearInterval(heartbeat);
        unsubscribe();
        streams.delete(raw);
      });
    },
  );

  app.post(
    '/sdk/v1/usage',
    {
      config: { public: true },
      preHandler: authenticate(['server'], false),
      schema: { body: UsageReport },
    },
    async (request, reply) => {
      await store.recordEvaluations(
        request.sdkGrant!.environment,
        request.body.counts,
        (options.now ?? Date.now)(),
      );
      return reply.code(204).send();
    },
  );

  app.post(
    '/ofrep/v1/evaluate/flags/:key',
    {
      config: { public: true },
      preHandler: authenticate(['server', 'client'], true),
      schema: {
        summary: 'OFREP: evaluate one flag',
        tags: ['flags', 'ofrep'],
        params: Key,
        body: OfrepRequest,
      },
    },
    async (request, reply) => {
      const snapshot = await store.snapshot(request.sdkGrant!.environment);
      const context = (request.body?.context ?? {}) as EvaluationContext;
      const result = ofrepResult(evaluatorFor(snapshot), request.params.key, context);
      if (!isFailure(result)) countOfrep(request.sdkGrant!.environment, result.key);
      return reply.code(isFailure(result) ? ofrepStatus(result) : 200).send(result);
    },
  );

  app.post(
    '/ofrep/v1/evaluate/flags',
    {
      config: { public: true },
      preHandler: authenticate(['server', 'client'], true),
      schema: {
        summary: 'OFREP: evaluate every flag of the environment',
        tags: ['flags', 'ofrep'],
        body: OfrepRequest,
      },
    },
    async (request, reply) => {
      const snapshot = await store.snapshot(request.sdkGrant!.environment);
      const evaluator = evaluatorFor(snapshot);
      const context = (request.body?.context ?? {}) as EvaluationContext;
      const body = JSON.stringify({
        flags: evaluator.keys().map((key) => ofrepResult(evaluator, key, context)),
      });
      const etag = `"${createHash('sha1').update(body).digest('base64url')}"`;
      reply.header('etag', etag);
      if (request.headers['if-none-match'] === etag) return reply.code(304).send();
      return reply.type('application/json').send(body);
    },
  );
};

function problem(status: number, detail: string) {
  const kind = status === 401 ? 'unauthorized' : 'forbidden';
  return {
    type: `urn:parley:problem:${kind}`,
    title: status === 401 ? 'Unauthorized' : 'Forbidden',
    status,
    detail,
  };
}
