import { env } from '@parley/kit';

/** The reports queue: its own workers, concurrency, admission and time limits, apart from the llm queue's. */
export const reportsConfigSpec = {
  PARLEY_REPORTS_CONCURRENCY: env.integer({
    default: 2,
    min: 0,
    max: 1000,
    description:
      'Reports this process generates at once from the reports queue (0: none; `parley worker` runs them)',
  }),
  PARLEY_REPORTS_QUEUE_MAX_WAITING: env.integer({
    default: 200,
    min: 1,
    max: 1_000_000,
    description: 'Waiting reports beyond which new report requests are answered 503 with Retry-After',
  }),
  PARLEY_REPORTS_TIMEOUT: env.duration({
    default: 120_000,
    description:
      'Longest one attempt at a report may run before it is retried (3 attempts, exponential backoff)',
  }),
};
