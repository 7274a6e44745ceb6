import { join } from 'node:path';
import { findTenant } from '@parley/iam';
import { metricsApi, type ScrapeConfig, Scraper, Storage } from '@parley/metrics';
import type { FastifyInstance } from 'fastify';
import { openAlerting } from './metrics-alerting.js';
import type { ModuleFactory } from './module.js';

/**
 * The metrics database that holds Parley's own series. It is not a tenant id (those are UUIDs),
 * so no tenant's requests reach it, except the operators' tenant's (see resolveTenant).
 */
export const PLATFORM_METRICS = 'parley-platform';

/** How often blocks are cut from the head, compacted, rolled up and expired. */
const MAINTENANCE_INTERVAL_MS = 60_000;

/**
 * Metrics: Prometheus's HTTP API, remote write and OTLP ingestion (IAM permissions
 * metrics:read / metrics:write), one time-series database per tenant in `<dataDir>/metrics`,
 * and a scrape of the server's own `/metrics` every PARLEY_METRICS_SCRAPE_INTERVAL.
 *
 * Parley's own series describe every tenant's traffic, so they are kept apart from all tenants'
 * data, in PLATFORM_METRICS. The users of one tenant, the operators' tenant named by
 * PARLEY_METRICS_PLATFORM_TENANT, query it (and write to it) as their own metrics; every other
 * tenant only ever reaches its own database.
 *
 * Alerting runs on the same platform database: Parley's objectives (or PARLEY_METRICS_RULE_FILES)
 * evaluated by the rule manager, notified by the built-in Alertmanager. The rules, alerts,
 * silences and history are the operators' too: other tenants see an empty rule set and no
 * notifier (404), since platform alerts describe every tenant's traffic.
 */
export const openMetricsModule: ModuleFactory = async ({
  config,
  database,
  dataDir,
  clock,
  logger,
  metricsRegistry,
}) => {
  // The operators' tenant may be created after the server starts: looked up until it exists.
  let platformTenantId: string | undefined;
  const resolvePlatformTenant = async () => {
    platformTenantId ??= (await findTenant(database.db, config.PARLEY_METRICS_PLATFORM_TENANT))?.id;
  };
  await resolvePlatformTenant();

  const storage = new Storage({
    dir: join(dataDir, 'metrics'),
    retention: { rawMs: config.PARLEY_METRICS_RETENTION },
  });
  const stopMaintenance = storage.startMaintenance(MAINTENANCE_INTERVAL_MS, () => clock.now());
  const alerting = openAlerting({
    config,
    db: storage.tenant(PLATFORM_METRICS),
    dataDir,
    clock,
    logger,
    registry: metricsRegistry,
  });

  // The server answers its own scrape in-process: no listening address needed, no socket.
  let host: FastifyInstance | undefined;
  const scrapeConfig: ScrapeConfig = {
    jobName: 'parley',
    targets: [`http://${config.HOST}:${config.PORT}/metrics`],
    timeoutMs: Math.max(1000, config.PARLEY_METRICS_SCRAPE_INTERVAL),
  };
  const scraper = new Scraper(storage.tenant(PLATFORM_METRICS), [scrapeConfig], clock, async (_url, init) => {
    if (!host) throw new Error('server not started');
    const timedOut = new Promise<never>((_, reject) =>
      init.signal.addEventListener('abort', () => reject(init.signal.reason), { once: true }),
    );
    const res = await Promise.race([
      host.inject({ method: 'GET', url: '/metrics', headers: init.headers }),
      timedOut,
    ]);
    return new Response(res.body, {
      status: res.statusCode,
      headers: { 'content-type': String(res.headers['content-type'] ?? 'text/plain') },
    });
  });

  // One scrape at a time: a tick that finds the previous one still running is skipped.
  let inFlight: Promise<void> | undefined;
  const tick = () => {
    inFlight ??= (async () => {
      await resolvePlatformTenant();
      if (!host) return;
      const result = await scraper.scrape(scrapeConfig, scrapeConfig.targets[0]!);
      if (!result.up) logger.warn({ error: result.error }, 'metrics self-scrape failed (up = 0)');
    })()
      .catch((error: unknown) => logger.warn({ err: error }, 'metrics self-scrape failed'))
      .finally(() => {
        inFlight = undefined;
      });
  };
  const interval = config.PARLEY_METRICS_SCRAPE_INTERVAL;
  const timer = interval > 0 ? setInterval(tick, interval) : undefined;
  timer?.unref();

  return {
    name: 'metrics',
    plugin: async (app) => {
      host = app;
      await app.register(metricsApi, {
        storage,
        clock,
        resolveTenant: (request) => {
          const tenantId = request.principal!.tenantId;
          return tenantId === platformTenantId ? PLATFORM_METRICS : tenantId;
        },
      });
      await alerting.register(
        app,
        (request) => platformTenantId !== undefined && request.principal?.tenantId === platformTenantId,
      );
    },
    async close() {
      clearInterval(timer);
      stopMaintenance();
      await alerting.close();
      await inFlight;
      storage.close();
    },
  };
};
