import { env } from '@parley/kit';

/** The metrics module's environment variables; the server merges them into its own spec. */
export const metricsConfigSpec = {
  PARLEY_METRICS_SCRAPE_INTERVAL: env.duration({
    default: 15_000,
    description: "How often the server scrapes its own /metrics into the platform's metrics (0 turns it off)",
  }),
  PARLEY_METRICS_RETENTION: env.duration({
    default: 15 * 86_400_000,
    description: 'How long raw samples are kept; 5m and 1h rollups are kept 90 and 730 days',
  }),
  PARLEY_METRICS_PLATFORM_TENANT: env.string({
    default: 'platform',
    pattern: /^[a-z0-9][a-z0-9-]*$/,
    patternHint: 'a tenant slug',
    description:
      "Slug of the operators' tenant: its users with metrics:read query Parley's own series; no other tenant sees them",
  }),
};
