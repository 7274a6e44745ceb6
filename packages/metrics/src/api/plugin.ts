/**
 * Fastify plugin serving Prometheus's HTTP API (query, query_range, series, labels, label values,
 * metadata, buildinfo) and the ingestion endpoints (remote write, OTLP), in Prometheus's own
 * response shapes, so Grafana and Prometheus API clients work unchanged. Every request runs
 * against the database of the tenant `resolveTenant` returns, and nothing else.
 */
import type { Clock } from '@parley/kit';
import type {} from '@parley/kit/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ingestOtlp, OtlpError } from '../ingest/otlp.js';
import { RemoteWriteReceiver, WriteError } from '../ingest/remote-write.js';
import { Engine } from '../promql/engine.js';
import { QueryError, type QueryErrorType } from '../promql/value.js';
import type { Storage } from '../tenancy.js';
import { TenantError } from '../tenancy.js';
import type { Tsdb } from '../tsdb.js';
import { formatMatrix, formatValue } from './format.js';
import {
  MAX_TIME,
  MIN_TIME,
  type Params,
  param,
  parseDurationParam,
  parseMatchers,
  parseTimeParam,
} from './params.js';

export interface MetricsApiOptions {
  storage: Storage;
  /** The tenant a request acts for (from `request.principal` once IAM exists). */
  resolveTenant(request: FastifyRequest): string;
  engine?: Engine;
  /** Default evaluation time when a query has none. */
  clock?: Clock;
  /** Prometheus refuses range queries with more points per series than this. Default 11,000. */
  maxPointsPerSeries?: number;
  /** Largest accepted (compressed) remote-write or OTLP body. Default 16 MiB. */
  bodyLimit?: number;
}

export const BUILD_INFO = {
  version: '3.0.0',
  revision: 'parley',
  branch: 'main',
  buildUser: 'parley',
  buildDate: '20260101-00:00:00',
  goVersion: 'n/a (Parley metrics, TypeScript)',
};

const STATUS: Record<QueryErrorType, number> = {
  bad_data: 400,
  execution: 422,
  timeout: 503,
  canceled: 503,
  internal: 500,
};

const PromParams = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]));

function sendError(reply: FastifyReply, errorType: QueryErrorType, message: string): FastifyReply {
  return reply.code(STATUS[errorType]).send({ status: 'error', errorType, error: message });
}

export async function metricsApi(app: FastifyInstance, options: MetricsApiOptions): Promise<void> {
  const engine = options.engine ?? new Engine();
  const clock = options.clock ?? { now: () => Date.now() };
  const maxPoints = options.maxPointsPerSeries ?? 11_000;
  const bodyLimit = options.bodyLimit ?? 16 * 1024 * 1024;
  const remoteWrite = new RemoteWriteReceiver();

  // Prometheus accepts every read parameter in the query string or a form body.
  // Parsers are added only where the host application has none (it may already parse forms).
  if (!app.hasContentTypeParser('application/x-www-form-urlencoded'))
    app.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string' },
      (_req, body, done) => {
        const out: Params = {};
        for (const [k, v] of new URLSearchParams(body as string)) {
          const prev = out[k];
          out[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
        }
        done(null, out);
      },
    );
  for (const type of ['application/x-protobuf', 'application/octet-stream'])
    if (!app.hasContentTypeParser(type))
      app.addContentTypeParser(type, { parseAs: 'buffer', bodyLimit }, (_req, body, done) =>
        done(null, body),
      );

  const params = (request: FastifyRequest): Params => ({
    ...((request.query as Params | undefined) ?? {}),
    ...((request.body as Params | undefined) ?? {}),
  });

  const withTimeout = (p: Params): Engine => {
    const timeout = parseDurationParam(p, 'timeout');
    return timeout === undefined ? engine : engine.withTimeout(timeout);
  };

  const tenant = (request: FastifyRequest): Tsdb => options.storage.tenant(options.resolveTenant(request));

  /** Runs a handler, turning errors into Prometheus's error envelope. */
  const handle =
    (fn: (request: FastifyRequest, db: Tsdb, p: Params) => unknown) =>
    async (request: FastifyRequest, reply: FastifyReply) => {
      try {
        const db = tenant(request);
        const data = fn(request, db, params(request));
        return reply.send({ status: 'success', data });
      } catch (error) {
        if (error instanceof QueryError) return sendError(reply, error.errorType, error.message);
        if (error instanceof TenantError) return sendError(reply, 'bad_data', error.message);
        // Anything else is our fault: logged in full, answered in Prometheus's shape without details.
        request.log.error({ err: error }, 'metrics API request failed');
        return sendError(reply, 'internal', 'internal error');
      }
    };

  const read = { config: { permission: 'metrics:read' }, schema: { querystring: PromParams } };
  const readRoute = (url: string, fn: (request: FastifyRequest, db: Tsdb, p: Params) => unknown) => {
    app.get(url, read, handle(fn));
    app.post(url, read, handle(fn));
  };

  readRoute('/api/v1/query', (_req, db, p) => {
    const query = param(p, 'query');
    if (!query) throw new QueryError('bad_data', 'invalid parameter "query": missing query');
    const time = parseTimeParam(p, 'time', clock.now());
    const expr = parseQuery(engine, query);
    return formatValue(withTimeout(p).instantQuery(db.querier(), expr, time), time);
  });

  readRoute('/api/v1/query_range', (_req, db, p) => {
    const query = param(p, 'query');
    if (!query) throw new QueryError('bad_data', 'invalid parameter "query": missing query');
    const start = parseTimeParam(p, 'start', Number.NaN);
    const end = parseTimeParam(p, 'end', Number.NaN);
    if (Number.isNaN(start)) throw new QueryError('bad_data', 'invalid parameter "start": missing start');
    if (Number.isNaN(end)) throw new QueryError('bad_data', 'invalid parameter "end": missing end');
    if (end < start)
      throw new QueryError(
        'bad_data',
        'invalid parameter "end": end timestamp must not be before start time',
      );
    const step = parseDurationParam(p, 'step');
    if (step === undefined) throw new QueryError('bad_data', 'invalid parameter "step": missing step');
    if (step <= 0)
      throw new QueryError(
        'bad_data',
        'invalid parameter "step": zero or negative query resolution step widths are not accepted. Try a positive integer',
      );
    if ((end - start) / step > maxPoints)
      throw new QueryError(
        'bad_data',
        `exceeded maximum resolution of ${maxPoints} points per timeseries. Try decreasing the query resolution (?step=XX)`,
      );
    const expr = parseQuery(engine, query);
    return {
      resultType: 'matrix',
      result: formatMatrix(withTimeout(p).rangeQuery(db.querier(), expr, { start, end, step })),
    };
  });

  readRoute('/api/v1/series', (_req, db, p) => {
    const matchers = parseMatchers(p);
    if (matchers.length === 0) throw new QueryError('bad_data', 'no match[] parameter provided');
    const start = parseTimeParam(p, 'start', MIN_TIME);
    const end = parseTimeParam(p, 'end', MAX_TIME);
    return limited(
      p,
      db
        .querier()
        .series(matchers, start, end)
        .map((labels) => Object.fromEntries(labels.map((l) => [l.name, l.value]))),
    );
  });

  readRoute('/api/v1/labels', (_req, db, p) =>
    limited(
      p,
      db
        .querier()
        .labelNames(
          parseMatchers(p),
          parseTimeParam(p, 'start', MIN_TIME),
          parseTimeParam(p, 'end', MAX_TIME),
        ),
    ),
  );

  readRoute('/api/v1/label/:name/values', (req, db, p) => {
    const name = (req.params as { name: string }).name;
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name))
      throw new QueryError('bad_data', `invalid label name: ${JSON.stringify(name)}`);
    return limited(
      p,
      db
        .querier()
        .labelValues(
          name,
          parseMatchers(p),
          parseTimeParam(p, 'start', MIN_TIME),
          parseTimeParam(p, 'end', MAX_TIME),
        ),
    );
  });

  readRoute('/api/v1/metadata', (_req, db, p) => {
    const metric = param(p, 'metric');
    const limit = Number(param(p, 'limit') ?? -1);
    const out: Record<string, { type: string; help: string; unit: string }[]> = {};
    for (const [name, meta] of db.metadata) {
      if (metric !== undefined && metric !== name) continue;
      if (limit >= 0 && Object.keys(out).length >= limit) break;
      out[name] = [meta];
    }
    return out;
  });

  app.get('/api/v1/status/buildinfo', { config: { permission: 'metrics:read' } }, async () => ({
    status: 'success',
    data: BUILD_INFO,
  }));

  app.post(
    '/api/v1/write',
    { config: { permission: 'metrics:write' }, bodyLimit },
    async (request, reply) => {
      const type = (request.headers['content-type'] ?? '').split(';')[0]!.trim();
      if (type !== 'application/x-protobuf')
        return reply
          .code(415)
          .type('text/plain')
          .send(`unsupported content type ${JSON.stringify(type)}, expected application/x-protobuf`);
      const encoding = request.headers['content-encoding'];
      if (encoding !== undefined && encoding !== 'snappy')
        return reply
          .code(415)
          .type('text/plain')
          .send(`unsupported content encoding ${JSON.stringify(encoding)}, expected snappy`);
      try {
        const db = tenant(request);
        remoteWrite.receive(db, request.body as Buffer);
        return reply.code(204).send();
      } catch (error) {
        if (error instanceof WriteError)
          return reply.code(error.status).type('text/plain').send(error.message);
        if (error instanceof TenantError) return reply.code(400).type('text/plain').send(error.message);
        throw error;
      }
    },
  );

  app.post('/v1/metrics', { config: { permission: 'metrics:write' }, bodyLimit }, async (request, reply) => {
    try {
      const db = tenant(request);
      const { rejectedDataPoints, errorMessage } = ingestOtlp(db, request.body, clock.now());
      return reply
        .code(200)
        .send({ partialSuccess: rejectedDataPoints > 0 ? { rejectedDataPoints, errorMessage } : {} });
    } catch (error) {
      if (error instanceof OtlpError || error instanceof TenantError)
        return reply.code(400).send({ code: 3, message: error.message });
      throw error;
    }
  });
}

/** Applies the optional `limit` parameter (0 or absent: no limit), as Prometheus does. */
function limited<T>(p: Params, items: T[]): T[] {
  const raw = param(p, 'limit');
  if (raw === undefined || raw === '') return items;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 0)
    throw new QueryError(
      'bad_data',
      `invalid parameter "limit": cannot parse ${JSON.stringify(raw)} to a non-negative integer`,
    );
  return limit === 0 ? items : items.slice(0, limit);
}

function parseQuery(engine: Engine, query: string) {
  try {
    return engine.parse(query);
  } catch (error) {
    if (error instanceof QueryError)
      throw new QueryError('bad_data', `invalid parameter "query": ${error.message}`);
    throw error;
  }
}
