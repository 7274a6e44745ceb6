import { env } from '@parley/kit';

/** Environment variables of the sales fast path; spread into the server's config spec. */
export const salesConfigSpec = {
  PARLEY_ASSISTANT_CLASSIFIER: env.oneOf(['v1', 'v2'], {
    default: 'v2',
    description: 'Intent classifier version that routes questions (both ship; v2 is more accurate)',
  }),
  PARLEY_SALES_CACHE_TTL: env.duration({
    default: 3_600_000,
    description:
      'Redis lifetime of a cached sales answer; a safety net, since a warehouse refresh already makes old answers unreachable',
  }),
  PARLEY_SALES_REFRESH_INTERVAL: env.duration({
    default: 3_600_000,
    description:
      "How often the BullMQ job appends each tenant's new days of sales and bumps its data version (0: never)",
  }),
  PARLEY_SALES_DEMO_ROWS: env.integer({
    default: 30_000,
    min: 0,
    max: 5_000_000,
    description:
      'Development only: order lines generated for each demo tenant without sales data at start (0: none)',
  }),
};
