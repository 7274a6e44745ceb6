import { env } from '@parley/kit';

/** The rule evaluator's and the notifier's environment variables; the server merges them into its own spec. */
export const alertingConfigSpec = {
  PARLEY_METRICS_RULE_FILES: env.string({
    default: '',
    description:
      "Comma-separated Prometheus rule files evaluated on the platform's metrics; empty: Parley's objectives (apps/server/alerting/objectives.rules.yml)",
  }),
  PARLEY_METRICS_EVALUATION_INTERVAL: env.duration({
    default: 60_000,
    description: 'Evaluation interval of rule groups that set none (Prometheus evaluation_interval)',
  }),
  PARLEY_METRICS_ALERT_RESEND_DELAY: env.duration({
    default: 60_000,
    description: 'How often firing and resolved alerts are re-sent to the notifier',
  }),
  PARLEY_METRICS_EXTERNAL_URL: env.string({
    default: '',
    description: "Base URL of alerts' generatorURL and of $externalURL in rule templates",
  }),
  PARLEY_ALERTMANAGER_CONFIG: env.string({
    default: '',
    description:
      "The notifier's Alertmanager configuration file (routes, receivers, inhibitions); empty: apps/server/alerting/alertmanager.yml, which notifies no one",
  }),
};
