import { env } from '@parley/kit';

/** The rule evaluator's environment variables; the server merges them into its own spec. */
export const rulesConfigSpec = {
  PARLEY_METRICS_RULE_FILES: env.string({
    default: '',
    description:
      "Comma-separated Prometheus rule files evaluated on the platform's metrics; empty: Parley's shipped objectives (rules/parley-objectives.yml)",
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
};
