/**
 * Fastify plugin serving Alertmanager's API v2 paths and shapes (alerts, alert groups, silences,
 * receivers) plus Parley's alert history, so amtool-style clients and Grafana's Alertmanager data
 * source work. Reads need `metrics:read`, changes `metrics:write`. Bodies and query strings are
 * validated with TypeBox; every error is RFC 9457 problem+json, as across Parley.
 */
import { ProblemError, problems } from '@parley/kit';
import { sendProblem, toProblem } from '@parley/kit/http';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import type { AlertFilter, Alertmanager, AlertView } from './alertmanager.js';
import type { IncomingAlert } from './alerts.js';
import type { HistoryEvent } from './history.js';
import { type Matcher, MatcherSyntaxError, parseMatchers } from './matchers.js';
import { type Silence, SilenceError, silenceState } from './silences.js';
import { formatTime, parseTime, parseTimeOrSeconds } from './time.js';

export interface AlertmanagerApiOptions {
  /** The notifier a request acts on; a function may answer undefined (404) for callers it does not serve. */
  alertmanager: Alertmanager | ((request: FastifyRequest) => Alertmanager | undefined);
  /** Largest accepted request body. Default 4 MiB. */
  bodyLimit?: number;
}

const LabelMap = Type.Record(Type.String({ maxLength: 1024 }), Type.String({ maxLength: 65_536 }));

const PostableAlertSchema = Type.Object(
  {
    labels: LabelMap,
    annotations: Type.Optional(LabelMap),
    startsAt: Type.Optional(Type.String({ maxLength: 64 })),
    endsAt: Type.Optional(Type.String({ maxLength: 64 })),
    generatorURL: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);

const MatcherSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 1024 }),
    value: Type.String({ maxLength: 4096 }),
    isRegex: Type.Boolean(),
    isEqual: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const PostableSilenceSchema = Type.Object(
  {
    id: Type.Optional(Type.String({ maxLength: 64 })),
    matchers: Type.Array(MatcherSchema, { minItems: 1, maxItems: 64 }),
    startsAt: Type.String({ maxLength: 64 }),
    endsAt: Type.String({ maxLength: 64 }),
    createdBy: Type.String({ minLength: 1, maxLength: 256 }),
    comment: Type.String({ minLength: 1, maxLength: 10_000 }),
  },
  { additionalProperties: false },
);

const Filter = Type.Array(Type.String({ maxLength: 4096 }), { maxItems: 64 });

const AlertsQuery = Type.Object(
  {
    active: Type.Optional(Type.Boolean()),
    silenced: Type.Optional(Type.Boolean()),
    inhibited: Type.Optional(Type.Boolean()),
    unprocessed: Type.Optional(Type.Boolean()),
    muted: Type.Optional(Type.Boolean()),
    filter: Type.Optional(Filter),
    receiver: Type.Optional(Type.String({ maxLength: 1024 })),
  },
  { additionalProperties: false },
);

const SilencesQuery = Type.Object({ filter: Type.Optional(Filter) }, { additionalProperties: false });

const HistoryQuerySchema = Type.Object(
  {
    start: Type.Optional(Type.String({ maxLength: 64 })),
    end: Type.Optional(Type.String({ maxLength: 64 })),
    kind: Type.Optional(
      Type.Array(Type.Union([Type.Literal('alert'), Type.Literal('notification'), Type.Literal('silence')]), {
        maxItems: 3,
      }),
    ),
    filter: Type.Optional(Filter),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
  },
  { additionalProperties: false },
);

const SilenceParams = Type.Object({ silenceID: Type.String({ maxLength: 64 }) });

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function alertmanagerApi(app: FastifyInstance, options: AlertmanagerApiOptions): Promise<void> {
  const bodyLimit = options.bodyLimit ?? 4 * 1024 * 1024;
  const resolve =
    typeof options.alertmanager === 'function'
      ? options.alertmanager
      : () => options.alertmanager as Alertmanager;
  const am = (request: FastifyRequest): Alertmanager => {
    const found = resolve(request);
    if (!found) throw problems.notFound('No Alertmanager serves this tenant');
    return found;
  };

  // Problem+json for this plugin's routes whatever the host installed (its own handler may differ).
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error as Error);
    if (problem.status >= 500) request.log.error({ err: error }, 'alertmanager API request failed');
    return sendProblem(request, reply, problem);
  });

  const read = (querystring?: object) => ({
    config: { permission: 'metrics:read' },
    schema: { querystring },
  });
  const write = { config: { permission: 'metrics:write' }, bodyLimit };

  app.post(
    '/api/v2/alerts',
    { ...write, schema: { body: Type.Array(PostableAlertSchema, { maxItems: 10_000 }) } },
    async (request, reply) => {
      const { accepted, errors } = am(request).receive(request.body as IncomingAlert[]);
      if (errors.length > 0)
        throw new ProblemError('invalid-alerts', 400, 'Invalid alerts', errors.join('; '), {
          errors,
          accepted,
        });
      return reply.code(200).send();
    },
  );

  app.get('/api/v2/alerts', read(AlertsQuery), async (request) => {
    const q = request.query as AlertsQueryType;
    return am(request).alerts(alertFilter(q)).map(gettableAlert);
  });

  app.get('/api/v2/alerts/groups', read(AlertsQuery), async (request) => {
    const q = request.query as AlertsQueryType;
    return am(request)
      .groups(alertFilter(q))
      .map((g) => ({
        labels: g.labels,
        receiver: { name: g.receiver },
        alerts: g.alerts.map(gettableAlert),
      }));
  });

  // Alertmanager's status, which Grafana's Alertmanager data source probes.
  app.get('/api/v2/status', read(), async (request) => {
    const { original, startedAt } = am(request).info;
    return {
      cluster: { name: '', peers: [], status: 'disabled' },
      config: { original },
      uptime: formatTime(startedAt),
      versionInfo: {
        branch: 'main',
        buildDate: '',
        buildUser: 'parley',
        goVersion: 'n/a (Parley notifier, TypeScript)',
        revision: 'parley',
        version: '0.28.0',
      },
    };
  });

  app.get('/api/v2/receivers', read(), async (request) =>
    am(request).receiverNames.map((name) => ({ name })),
  );

  app.get('/api/v2/silences', read(SilencesQuery), async (request) => {
    const manager = am(request);
    const now = manager.now();
    const filter = matchersParam((request.query as { filter?: string[] }).filter, 'filter');
    return sortSilences(manager.listSilences(filter), now).map((s) => gettableSilence(s, now));
  });

  app.post('/api/v2/silences', { ...write, schema: { body: PostableSilenceSchema } }, async (request) => {
    const body = request.body as PostableSilenceBody;
    const startsAt = timeField(body.startsAt, 'startsAt');
    const endsAt = timeField(body.endsAt, 'endsAt');
    try {
      const silenceID = am(request).setSilence({ ...body, startsAt, endsAt });
      return { silenceID };
    } catch (error) {
      throw silenceProblem(error);
    }
  });

  app.get('/api/v2/silence/:silenceID', { ...read(), schema: { params: SilenceParams } }, async (request) => {
    const manager = am(request);
    const id = silenceId(request);
    const silence = manager.getSilence(id);
    if (!silence) throw problems.notFound(`silence ${id} not found`);
    return gettableSilence(silence, manager.now());
  });

  app.delete(
    '/api/v2/silence/:silenceID',
    { config: { permission: 'metrics:write' }, schema: { params: SilenceParams } },
    async (request, reply) => {
      try {
        am(request).expireSilence(silenceId(request));
      } catch (error) {
        throw silenceProblem(error);
      }
      return reply.code(200).send();
    },
  );

  app.get('/api/v2/history', read(HistoryQuerySchema), async (request) => {
    const q = request.query as {
      start?: string;
      end?: string;
      kind?: HistoryEvent['kind'][];
      filter?: string[];
      limit?: number;
    };
    const time = (value: string | undefined, name: string) => {
      if (value === undefined) return undefined;
      const ms = parseTimeOrSeconds(value);
      if (ms === undefined)
        throw problems.validation([
          { path: `/querystring/${name}`, message: 'must be RFC 3339 or Unix seconds' },
        ]);
      return ms;
    };
    const start = time(q.start, 'start');
    const end = time(q.end, 'end');
    if (start !== undefined && end !== undefined && end < start)
      throw problems.validation([{ path: '/querystring/end', message: 'must not be before start' }]);
    return am(request)
      .history({
        start,
        end,
        kinds: q.kind,
        matchers: matchersParam(q.filter, 'filter'),
        limit: q.limit ?? 1000,
      })
      .map(historyEvent);
  });
}

type AlertsQueryType = {
  active?: boolean;
  silenced?: boolean;
  inhibited?: boolean;
  filter?: string[];
  receiver?: string;
};

type PostableSilenceBody = {
  id?: string;
  matchers: { name: string; value: string; isRegex: boolean; isEqual?: boolean }[];
  startsAt: string;
  endsAt: string;
  createdBy: string;
  comment: string;
};

function alertFilter(q: AlertsQueryType): AlertFilter {
  const filter: AlertFilter = {
    active: q.active ?? true,
    silenced: q.silenced ?? true,
    inhibited: q.inhibited ?? true,
    matchers: matchersParam(q.filter, 'filter'),
  };
  if (q.receiver !== undefined) {
    try {
      filter.receiver = new RegExp(`^(?:${q.receiver})$`);
    } catch (error) {
      throw problems.validation([{ path: '/querystring/receiver', message: (error as Error).message }]);
    }
  }
  return filter;
}

function matchersParam(values: string[] | undefined, name: string): Matcher[] {
  const out: Matcher[] = [];
  (values ?? []).forEach((text, i) => {
    try {
      out.push(...parseMatchers(text));
    } catch (error) {
      if (error instanceof MatcherSyntaxError)
        throw problems.validation([{ path: `/querystring/${name}/${i}`, message: error.message }]);
      throw error;
    }
  });
  return out;
}

function timeField(value: string, name: string): number {
  const ms = parseTime(value);
  if (ms === undefined)
    throw problems.validation([{ path: `/body/${name}`, message: 'must be an RFC 3339 timestamp' }]);
  return ms;
}

function silenceId(request: FastifyRequest): string {
  const id = (request.params as { silenceID: string }).silenceID;
  if (!UUID.test(id)) throw problems.validation([{ path: '/params/silenceID', message: 'must be a UUID' }]);
  return id;
}

function silenceProblem(error: unknown): unknown {
  if (!(error instanceof SilenceError)) return error;
  if (error.status === 404) return problems.notFound(error.message);
  if (error.status === 409) return problems.conflict(error.message);
  return problems.badRequest(error.message);
}

function gettableAlert(view: AlertView) {
  const a = view.alert;
  return {
    annotations: a.annotations,
    endsAt: formatTime(a.endsAt),
    fingerprint: a.fingerprint,
    receivers: view.receivers.map((name) => ({ name })),
    startsAt: formatTime(a.startsAt),
    status: view.status,
    updatedAt: formatTime(a.updatedAt),
    generatorURL: a.generatorURL,
    labels: a.labels,
  };
}

function gettableSilence(s: Silence, now: number) {
  return {
    id: s.id,
    status: { state: silenceState(s, now) },
    updatedAt: formatTime(s.updatedAt),
    comment: s.comment,
    createdBy: s.createdBy,
    endsAt: formatTime(s.endsAt),
    matchers: s.matchers,
    startsAt: formatTime(s.startsAt),
  };
}

/** Alertmanager's order: active (soonest to end first), pending (soonest to start), expired (latest first). */
function sortSilences(silences: Silence[], now: number): Silence[] {
  const rank = { active: 0, pending: 1, expired: 2 };
  return silences.sort((a, b) => {
    const sa = silenceState(a, now);
    const sb = silenceState(b, now);
    if (sa !== sb) return rank[sa] - rank[sb];
    if (sa === 'active') return a.endsAt - b.endsAt;
    if (sa === 'pending') return a.startsAt - b.startsAt;
    return b.endsAt - a.endsAt;
  });
}

function historyEvent(e: HistoryEvent) {
  return { ...e, at: formatTime(e.at) };
}
