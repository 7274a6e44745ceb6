/**
 * Prometheus's rules and alerts API (`GET /api/v1/rules`, `GET /api/v1/alerts`) in its exact
 * response shapes, for the rule manager `resolveRules` picks for the caller (or none: an empty
 * rule set), so Grafana's alerting views and Prometheus API clients read Parley's rules unchanged.
 */
import type {} from '@parley/kit/http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { type Params, param, paramList, parseMatchers } from '../api/params.js';
import type { Matcher } from '../index/matchers.js';
import { labelsFromRecord, labelsToRecord } from '../labels.js';
import { QueryError } from '../promql/value.js';
import { type Alert, AlertingRule } from './alerting.js';
import { formatE } from './format.js';
import type { RuleManager } from './manager.js';
import type { Rule } from './rule.js';

export interface RulesApiOptions {
  /** The rule manager whose rules a request sees; undefined: an empty rule set. */
  resolveRules(request: FastifyRequest): RuleManager | undefined;
}

const PromParams = Type.Record(Type.String(), Type.Union([Type.String(), Type.Array(Type.String())]));

/** Go's zero time, which Prometheus reports as the last evaluation of a rule never evaluated. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

function time(ms: number | undefined): string {
  return ms === undefined ? ZERO_TIME : new Date(ms).toISOString();
}

function apiAlert(a: Alert): Record<string, unknown> {
  return {
    labels: labelsToRecord(a.labels),
    annotations: a.annotations,
    state: a.state,
    activeAt: time(a.activeAt),
    ...(a.keepFiringSince !== undefined ? { keepFiringSince: time(a.keepFiringSince) } : {}),
    value: formatE(a.value),
  };
}

function apiRule(rule: Rule, withAlerts: boolean): Record<string, unknown> {
  const common = {
    health: rule.health,
    ...(rule.lastError ? { lastError: rule.lastError } : {}),
    evaluationTime: rule.evaluationTimeMs / 1000,
    lastEvaluation: time(rule.lastEvaluation),
  };
  if (rule instanceof AlertingRule)
    return {
      state: rule.state,
      name: rule.name,
      query: rule.query,
      duration: rule.config.forMs / 1000,
      keepFiringFor: rule.config.keepFiringForMs / 1000,
      labels: rule.labels,
      annotations: rule.config.annotations,
      ...(withAlerts ? { alerts: rule.activeAlerts().map(apiAlert) } : {}),
      ...common,
      type: 'alerting',
    };
  return {
    name: rule.name,
    query: rule.query,
    ...(Object.keys(rule.labels).length > 0 ? { labels: rule.labels } : {}),
    ...common,
    type: 'recording',
  };
}

function badData(reply: FastifyReply, error: string): FastifyReply {
  return reply.code(400).send({ status: 'error', errorType: 'bad_data', error });
}

export async function rulesApi(app: FastifyInstance, options: RulesApiOptions): Promise<void> {
  const route = { config: { permission: 'metrics:read' }, schema: { querystring: PromParams } };

  app.get('/api/v1/rules', route, async (request, reply) => {
    const p = (request.query ?? {}) as Params;
    const type = param(p, 'type');
    if (type !== undefined && type !== '' && type !== 'alert' && type !== 'record')
      return badData(reply, `unsupported type: ${JSON.stringify(type)}`);
    const excludeAlerts = param(p, 'exclude_alerts');
    if (excludeAlerts !== undefined && !['', 'true', 'false'].includes(excludeAlerts))
      return badData(
        reply,
        `parameter "exclude_alerts": strconv.ParseBool: parsing ${JSON.stringify(excludeAlerts)}: invalid syntax`,
      );
    const names = new Set(paramList(p, 'rule_name[]'));
    const groupNames = new Set([...paramList(p, 'rule_group[]'), ...paramList(p, 'group_name[]')]);
    const files = new Set(paramList(p, 'file[]'));
    // match[]: series selectors over the rules' own labels (Prometheus 2.54+); any set may match.
    let matcherSets: Matcher[][];
    try {
      matcherSets = parseMatchers(p);
    } catch (error) {
      if (error instanceof QueryError) return badData(reply, error.message);
      throw error;
    }
    const matches = (rule: Rule) => {
      if (matcherSets.length === 0) return true;
      const labels = labelsFromRecord(rule.labels);
      return matcherSets.some((set) => set.every((m) => m.matchesLabels(labels)));
    };
    const filtered =
      names.size > 0 || groupNames.size > 0 || files.size > 0 || Boolean(type) || matcherSets.length > 0;
    const groups = [];
    for (const g of options.resolveRules(request)?.groups() ?? []) {
      if (groupNames.size > 0 && !groupNames.has(g.name)) continue;
      if (files.size > 0 && !files.has(g.file)) continue;
      const rules = g.rules
        .filter((r) =>
          type === 'alert' ? r.type === 'alerting' : type === 'record' ? r.type === 'recording' : true,
        )
        .filter((r) => (names.size === 0 || names.has(r.name)) && matches(r))
        .map((r) => apiRule(r, excludeAlerts !== 'true'));
      // With filters, groups left without rules are omitted, as Prometheus does.
      if (filtered && rules.length === 0) continue;
      groups.push({
        name: g.name,
        file: g.file,
        rules,
        interval: g.intervalMs / 1000,
        limit: g.limit,
        evaluationTime: g.evaluationTimeMs / 1000,
        lastEvaluation: time(g.lastEvaluation),
      });
    }
    return reply.send({ status: 'success', data: { groups } });
  });

  app.get('/api/v1/alerts', route, async (request, reply) => {
    const alerts = (options.resolveRules(request)?.rules() ?? [])
      .filter((r): r is AlertingRule => r instanceof AlertingRule)
      .flatMap((r) => r.activeAlerts().map(apiAlert));
    return reply.send({ status: 'success', data: { alerts } });
  });
}
