import { randomUUID } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from '@parley/db';
import { DEMO_TENANTS, findTenant } from '@parley/iam';
import type { Logger } from '@parley/kit';
import { SuggestCache, SuggestService, salesQueries, suggestPlugin } from '@parley/suggest';
import type { FastifyRequest } from 'fastify';
import type { ModuleFactory } from './module.js';

/**
 * Search autocomplete (`GET /v1/suggest`, permission suggest:read; `POST /v1/suggest/log`,
 * suggest:write), one index per tenant, the tenant always the caller's. Indexes live in memory,
 * fed by logged queries (a delta index every PARLEY_SUGGEST_DELTA_INTERVAL, a full rebuild every
 * PARLEY_SUGGEST_REBUILD_INTERVAL), and are written to `<dataDir>/suggest` periodically and on
 * close so a restart is one read per tenant. Non-personalized answers are cached in the shared
 * Redis, keyed by the tenant's data generation. The demo tenants get sales questions to start.
 */
export const openSuggestModule: ModuleFactory = async ({
  config,
  database,
  redis,
  clock,
  logger,
  dataDir,
}) => {
  const dir = join(dataDir, 'suggest');
  await mkdir(dir, { recursive: true });
  const service = new SuggestService({
    clock,
    suggester: { halfLifeMs: config.PARLEY_SUGGEST_HALF_LIFE },
    pipeline: {
      deltaIntervalMs: config.PARLEY_SUGGEST_DELTA_INTERVAL,
      rebuildIntervalMs: config.PARLEY_SUGGEST_REBUILD_INTERVAL,
    },
  });
  try {
    const restored = await service.restore(dir);
    if (restored.length > 0) logger.info({ tenants: restored.length }, 'suggest indexes restored');
  } catch (error) {
    // A damaged snapshot costs that tenant its suggestions until queries are logged again; it
    // must not keep the server from starting.
    logger.error({ err: error }, 'a suggest snapshot could not be read; continuing without it');
  }
  const demo = new DemoSeeding(service, database, logger);
  await demo.seedExisting();
  service.start();

  let saving: Promise<void> = Promise.resolve();
  const save = () => {
    saving = saving
      .then(() => service.save(dir))
      .catch((error: unknown) => logger.warn({ err: error }, 'suggest snapshot failed'));
    return saving;
  };
  const snapshots = setInterval(save, config.PARLEY_SUGGEST_SNAPSHOT_INTERVAL);
  snapshots.unref();

  // Each process builds its own indexes from the queries it is sent, and generations restart at
  // every start: the process's own id in the key keeps two processes (or two runs) from serving
  // each other's answers under the same generation number.
  const cache = new SuggestCache(redis, {
    prefix: `parley:suggest:${randomUUID()}`,
    ttlSeconds: Math.max(1, Math.round(config.PARLEY_SUGGEST_CACHE_TTL / 1000)),
  });
  return {
    name: 'suggest',
    plugin: async (app) => {
      // Demo tenants created after start (`parley seed --demo`) are seeded on their first call.
      app.addHook('preHandler', async (request) => {
        if (request.principal !== undefined) await demo.seedIfDemo(request.principal.tenantId);
      });
      await app.register(suggestPlugin, {
        service,
        resolveTenant: (request) => callerOf(request).tenantId,
        resolveUser: (request) => {
          const principal = callerOf(request);
          return principal.kind === 'user' ? principal.subject : undefined;
        },
        cache,
      });
    },
    async close() {
      clearInterval(snapshots);
      service.stop();
      await save();
    },
  };
};

/** The authenticated caller; the IAM guard runs first, so a route handler always has one. */
function callerOf(request: FastifyRequest) {
  const principal = request.principal;
  if (principal === undefined) throw new Error('suggest route reached without a principal');
  return principal;
}

/**
 * Sales-domain questions for the demo tenants (acme, globex), each with its own popularity
 * order, given only to a tenant that has no suggestions yet (never over restored or logged data).
 */
class DemoSeeding {
  /** Tenant ids already looked at, with the seeding under way or done. */
  private readonly looked = new Map<string, Promise<void>>();

  constructor(
    private readonly service: SuggestService,
    private readonly database: Database,
    private readonly logger: Logger,
  ) {}

  /** Seeds the demo tenants that exist now. */
  async seedExisting(): Promise<void> {
    for (const [position, { slug }] of DEMO_TENANTS.entries()) {
      const tenant = await findTenant(this.database.db, slug);
      if (tenant !== undefined) await this.seedOnce(tenant.id, slug, position);
    }
  }

  /** Seeds the caller's tenant if it is a demo tenant without suggestions (one lookup per tenant). */
  async seedIfDemo(tenantId: string): Promise<void> {
    const seen = this.looked.get(tenantId);
    if (seen !== undefined) return seen;
    if (this.service.generation(tenantId) > 0) return;
    const lookup = (async () => {
      for (const [position, { slug }] of DEMO_TENANTS.entries()) {
        const tenant = await findTenant(this.database.db, slug);
        if (tenant?.id === tenantId) return this.seed(tenantId, slug, position);
      }
    })();
    this.looked.set(tenantId, lookup);
    return lookup;
  }

  private seedOnce(tenantId: string, slug: string, position: number): Promise<void> {
    const seeding = this.looked.get(tenantId) ?? this.seed(tenantId, slug, position);
    this.looked.set(tenantId, seeding);
    return seeding;
  }

  private async seed(tenantId: string, slug: string, position: number): Promise<void> {
    if (this.service.generation(tenantId) > 0) return;
    const queries = salesQueries(7 + position);
    await this.service.load(tenantId, queries);
    this.logger.info({ tenant: slug, queries: queries.length }, 'seeded demo suggestions');
  }
}
