import { createHash } from 'node:crypto';
import { type Db, withTenant } from '@parley/db';
import type { Clock } from '@parley/kit';
import type { QueryPlan } from '../semantic/plan.js';
import { Gazetteer } from '../slots/gazetteer.js';
import { type RefreshResult, refreshSales } from '../warehouse/refresh.js';
import { readDataVersion } from '../warehouse/version.js';
import type { AnswerCache, CacheSource } from './cache.js';
import { type Presentation, present } from './present.js';
import { runPlan } from './run.js';
import { readDimensionValues } from './values.js';

/** Gazetteers kept in memory (one per tenant and data version). */
const GAZETTEERS = 256;

/**
 * The sales warehouse as the fast path sees it: the tenant's data version, its gazetteer (built
 * from its own members, kept per version), plan results through the answer cache, and the
 * refresh that moves every process to a new version.
 */
export class SalesWarehouse {
  private readonly gazetteers = new Map<string, Promise<Gazetteer>>();

  constructor(
    private readonly db: Db,
    private readonly cache: AnswerCache,
    private readonly clock: Clock,
  ) {}

  version(tenantId: string): Promise<number> {
    return this.cache.version(tenantId, async () =>
      withTenant(this.db, tenantId, async (tx) => (await readDataVersion(tx, tenantId)).version),
    );
  }

  /** The tenant's gazetteer for a data version, built once (concurrent callers share the build). */
  gazetteer(tenantId: string, version: number): Promise<Gazetteer> {
    const key = `${tenantId}:${version}`;
    let gazetteer = this.gazetteers.get(key);
    if (!gazetteer) {
      gazetteer = withTenant(this.db, tenantId, (tx) => readDimensionValues(tx, tenantId)).then(
        (values) => new Gazetteer(values),
      );
      gazetteer.catch(() => this.gazetteers.delete(key));
      this.gazetteers.set(key, gazetteer);
      if (this.gazetteers.size > GAZETTEERS) this.gazetteers.delete(this.gazetteers.keys().next().value!);
    }
    return gazetteer;
  }

  /**
   * The plan's answer (numbers as text, table and chart) at a data version: cached as presented,
   * so a hit costs a lookup, and computed at most once per key at a time.
   */
  presentation(
    tenantId: string,
    version: number,
    plan: QueryPlan,
  ): Promise<{ value: Presentation; source: CacheSource }> {
    const digest = createHash('sha256').update(JSON.stringify(plan)).digest('base64url').slice(0, 32);
    return this.cache.getOrCompute(tenantId, this.cache.key(tenantId, version, digest), async () =>
      present(plan, await withTenant(this.db, tenantId, (tx) => runPlan(tx, tenantId, plan))),
    );
  }

  /** Appends the sales since the last load and announces the new version to every process. */
  async refresh(tenantId: string): Promise<RefreshResult> {
    const result = await refreshSales(this.db, tenantId, this.clock);
    if (result.rows > 0) await this.cache.announce(tenantId, result.version.version);
    return result;
  }
}
