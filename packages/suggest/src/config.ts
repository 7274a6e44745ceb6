import { env } from '@parley/kit';

/** Server settings of the suggest module (read by apps/server; the library itself reads none). */
export const suggestConfigSpec = {
  PARLEY_SUGGEST_DELTA_INTERVAL: env.duration({
    default: 10_000,
    description:
      'How often logged queries are built into the delta index (how soon a new query is suggested)',
  }),
  PARLEY_SUGGEST_REBUILD_INTERVAL: env.duration({
    default: 900_000,
    description: 'How often each tenant index is rebuilt in full (fresh popularity decay, blocklist purge)',
  }),
  PARLEY_SUGGEST_SNAPSHOT_INTERVAL: env.duration({
    default: 300_000,
    description:
      'How often tenant indexes are written to the suggest folder of PARLEY_DATA_DIR (and on shutdown) for a fast restart',
  }),
  PARLEY_SUGGEST_HALF_LIFE: env.duration({
    default: 7 * 24 * 3_600_000,
    description: 'Half-life of query popularity',
  }),
  PARLEY_SUGGEST_CACHE_TTL: env.duration({
    default: 60_000,
    description:
      'Redis lifetime of a cached non-personalized answer (rebuilds make old entries unreachable at once)',
  }),
};
