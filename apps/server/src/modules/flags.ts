import {
  flagsDeliveryPlugin,
  flagsManagementPlugin,
  PgFlagStore,
  RedisChangeBus,
  runScheduledChanges,
} from '@parley/flags';
import type { ModuleFactory } from './module.js';

/**
 * Feature flags: the management API (IAM permissions flags:read/write/approve, tenant from the
 * caller) and SDK delivery (ruleset, SSE stream, usage batches, OFREP) from PostgreSQL, with
 * changes announced over Redis pub/sub so every process's SDK streams get every change.
 *
 * The delivery routes are declared `public: true` for the platform's IAM guard on purpose: SDKs
 * and browsers do not hold Parley user tokens or API keys, they present an SDK key (server or
 * client, per environment) that the delivery plugin checks itself on every request and that
 * names the tenant and environment it grants. Without a valid SDK key they answer 401.
 */
export const openFlagsModule: ModuleFactory = async ({ config, database, redis, clock, logger }) => {
  const bus = new RedisChangeBus(redis);
  await bus.started();
  const onError = (error: unknown) => logger.warn({ err: error }, 'flags background work failed');
  const store = new PgFlagStore({
    db: database.db,
    bus,
    clock,
    keyCacheMs: config.PARLEY_FLAGS_KEY_CACHE_TTL,
    onError,
  });
  const stopScheduler = runScheduledChanges(store, {
    intervalMs: config.PARLEY_FLAGS_SCHEDULE_INTERVAL,
    now: () => clock.now(),
    onError,
  });
  return {
    name: 'flags',
    plugin: async (app) => {
      await app.register(flagsManagementPlugin, { store });
      await app.register(flagsDeliveryPlugin, {
        store,
        resolveKey: (key) => store.resolveKey(key),
        heartbeatMs: config.PARLEY_FLAGS_SSE_HEARTBEAT,
        now: () => clock.now(),
      });
    },
    async close() {
      stopScheduler();
      await store.close();
    },
  };
};
