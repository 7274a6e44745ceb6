import { env } from '@parley/kit';

/** The flags module's environment variables; the server merges them into its own spec. */
export const flagsConfigSpec = {
  PARLEY_FLAGS_SCHEDULE_INTERVAL: env.duration({
    default: 5_000,
    description:
      'How often due scheduled flag changes and change requests are looked for (the most they apply late)',
  }),
  PARLEY_FLAGS_SSE_HEARTBEAT: env.duration({
    default: 15_000,
    description: 'Interval of heartbeat comments on SDK streams (keeps proxies from closing idle streams)',
  }),
  PARLEY_FLAGS_KEY_CACHE_TTL: env.duration({
    default: 5_000,
    description:
      'How long a resolved SDK key is trusted; a revoked key stops working on other processes within it',
  }),
};
