import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Clock, type Logger, ProblemError, problems } from '@parley/kit';
import {
  Alertmanager,
  type AlertmanagerConfig,
  alertmanagerApi,
  parseAlertmanagerConfig,
  RuleManager,
  rulesApi,
  type Tsdb,
} from '@parley/metrics';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { ServerConfig } from '../config.js';

/** Parley's objectives and the notifier's default configuration, shipped with the server. */
export const DEFAULT_RULE_FILE = fileURLToPath(
  new URL('../../alerting/objectives.rules.yml', import.meta.url),
);
export const DEFAULT_ALERTMANAGER_CONFIG = fileURLToPath(
  new URL('../../alerting/alertmanager.yml', import.meta.url),
);

export interface Alerting {
  rules: RuleManager;
  alertmanager: Alertmanager;
  /** Re-reads rule files and the notifier configuration; a bad file keeps the running ones (and is the error returned). */
  reload(): Error | undefined;
  /** Mounts the rules/alerts API and the notifier's API for the callers `serves` accepts. */
  register(app: FastifyInstance, serves: (request: FastifyRequest) => boolean): Promise<void>;
  close(): Promise<void>;
}

function ruleFiles(config: ServerConfig): string[] {
  const listed = config.PARLEY_METRICS_RULE_FILES.split(',')
    .map((f) => f.trim())
    .filter(Boolean);
  return listed.length > 0 ? listed : [DEFAULT_RULE_FILE];
}

function notifierConfig(config: ServerConfig): AlertmanagerConfig {
  const file = config.PARLEY_ALERTMANAGER_CONFIG || DEFAULT_ALERTMANAGER_CONFIG;
  return parseAlertmanagerConfig(readFileSync(file, 'utf8'), file);
}

/**
 * Alerting on the platform's metrics: the rule evaluator (Prometheus rule files, evaluated on
 * `db`) sends its alerts to the built-in notifier (an Alertmanager). Invalid rule files or an
 * invalid notifier configuration stop the start-up with every problem listed; on a reload
 * (SIGHUP, a rule file changing, or POST /-/reload) they are logged and the running configuration stays.
 */
export function openAlerting(options: {
  config: ServerConfig;
  db: Tsdb;
  dataDir: string;
  clock: Clock;
  logger: Logger;
  /** The server's /metrics registry: the rule groups' own metrics are exported there. */
  registry: Registry;
}): Alerting {
  const { config, db, clock, logger } = options;
  const externalURL = config.PARLEY_METRICS_EXTERNAL_URL;
  const alertmanager = new Alertmanager({
    config: notifierConfig(config),
    dataDir: join(options.dataDir, 'alertmanager'),
    clock,
    logger,
    externalURL,
  });
  const rules = new RuleManager({
    db,
    files: ruleFiles(config),
    clock,
    sink: alertmanager,
    evaluationIntervalMs: config.PARLEY_METRICS_EVALUATION_INTERVAL,
    resendDelayMs: config.PARLEY_METRICS_ALERT_RESEND_DELAY,
    externalURL,
    onError: (group, rule, error) =>
      logger.warn({ group: group.name, rule: rule.name, err: error }, 'evaluating rule failed'),
  });
  rules.reload();
  const unregister = exportRuleMetrics(rules, options.registry);
  rules.start();
  alertmanager.start();

  const reload = (): Error | undefined => {
    try {
      // Both files are read before either is applied: a bad notifier file changes no rule either.
      const notifier = notifierConfig(config);
      rules.reload();
      alertmanager.applyConfig(notifier);
      logger.info('alerting configuration reloaded');
      return undefined;
    } catch (error) {
      logger.error({ err: error }, 'alerting reload failed; the running configuration stays');
      return error as Error;
    }
  };
  const onSighup = () => void reload();
  rules.watchFiles((error) =>
    logger.error({ err: error }, 'rule file reload failed; the running rules stay'),
  );
  process.on('SIGHUP', onSighup);

  return {
    rules,
    alertmanager,
    reload,
    async register(app, serves) {
      await app.register(rulesApi, { resolveRules: (request) => (serves(request) ? rules : undefined) });
      await app.register(alertmanagerApi, {
        alertmanager: (request) => (serves(request) ? alertmanager : undefined),
      });
      // Prometheus's lifecycle endpoint: the SIGHUP of a process one cannot signal.
      app.post('/-/reload', { config: { permission: 'metrics:write' } }, async (request, reply) => {
        if (!serves(request)) throw problems.notFound('No rule evaluator serves this tenant');
        const error = reload();
        if (error)
          throw new ProblemError(
            'invalid-alerting-config',
            422,
            'Invalid alerting configuration',
            error.message,
          );
        return reply.code(204).send();
      });
    },
    async close() {
      process.off('SIGHUP', onSighup);
      rules.stop();
      unregister();
      await alertmanager.close();
    },
  };
}

/**
 * Prometheus's `prometheus_rule_group_*` and `prometheus_rule_evaluation*` series, read from the
 * rule manager at each scrape of /metrics (so the self-scrape stores them with Parley's own).
 */
function exportRuleMetrics(rules: RuleManager, registry: Registry): () => void {
  const names: string[] = [];
  for (const family of rules.metricFamilies()) {
    const read = () => rules.metricFamilies().find((f) => f.name === family.name)?.samples ?? [];
    const common = {
      name: family.name,
      help: family.help,
      labelNames: ['rule_group'] as const,
      registers: [registry],
    };
    if (family.type === 'gauge')
      new Gauge({
        ...common,
        collect() {
          this.reset();
          for (const s of read()) this.set({ rule_group: s.group }, s.value);
        },
      });
    else
      new Counter({
        ...common,
        collect() {
          this.reset();
          for (const s of read()) this.inc({ rule_group: s.group }, s.value);
        },
      });
    names.push(family.name);
  }
  return () => {
    for (const name of names) registry.removeSingleMetric(name);
  };
}
