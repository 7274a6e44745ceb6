import { type Db, withTenant } from '@parley/db';
import type { Clock } from '@parley/kit';
import { sql } from 'drizzle-orm';
import { dayFromMillis, isoDate } from '../slots/calendar.js';
import { generateDimensions, seedOf, sizesFor } from './dimensions.js';
import { FactGenerator } from './facts.js';
import { clearWarehouse, insertDimensions, insertFacts } from './load.js';
import { bumpDataVersion, type DataVersion } from './version.js';

export interface SalesSeedOptions {
  tenantId: string;
  /** Order lines to generate. */
  rows: number;
  clock: Clock;
  /** Days of history ending yesterday; three years by default. */
  days?: number;
  /** Seeds the catalogue and the sales; the tenant id by default, so each tenant's data differs. */
  seed?: string;
  /** Rows per insert statement. */
  batchSize?: number;
  /** Insert statements in flight at once (each on its own pooled connection). */
  parallel?: number;
  /** Called after each batch with the rows written so far. */
  onProgress?(written: number, total: number): void;
}

export interface SalesSeedResult {
  rows: number;
  products: number;
  customers: number;
  range: { start: string; end: string };
  version: DataVersion;
  ms: number;
}

/**
 * Replaces a tenant's sales warehouse with generated history: its catalogue, then `rows` order
 * lines up to yesterday, then a new data version (so cached answers of the old data become
 * unreachable). Every statement runs under the tenant's row-level security.
 */
export async function seedSales(db: Db, options: SalesSeedOptions): Promise<SalesSeedResult> {
  const started = performance.now();
  const { tenantId, rows, clock } = options;
  if (!Number.isInteger(rows) || rows < 1) throw new RangeError('rows must be a positive whole number');
  const seed = seedOf(options.seed ?? tenantId);
  const dims = generateDimensions(seed, sizesFor(rows));
  const end = dayFromMillis(clock.now());
  const start = end - (options.days ?? 3 * 365);
  // The clearing bumps the version too, so answers cached from the replaced data die with it, and
  // those computed while the load runs die with the final bump. It already records the days being
  // loaded, so a refresh running meanwhile finds nothing to append.
  await withTenant(db, tenantId, async (tx) => {
    await clearWarehouse(tx, tenantId);
    await insertDimensions(tx, tenantId, dims);
    await bumpDataVersion(tx, tenantId, isoDate(end - 1));
  });
  const generator = new FactGenerator(dims, seed ^ 0x5bd1e995);
  let written = 0;
  // A few batches in flight on separate connections: the server's index maintenance of one batch
  // overlaps the next batch's transfer and the generation of the one after.
  const inflight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const batches = generator.batches({ start, end, rows, firstOrderId: 1 }, options.batchSize ?? 20_000);
  for (const batch of batches) {
    const insert: Promise<void> = withTenant(db, tenantId, (tx) => insertFacts(tx, tenantId, batch))
      .then(
        () => {
          written += batch.length;
          options.onProgress?.(written, rows);
        },
        (error: unknown) => {
          failure ??= { error };
        },
      )
      .finally(() => inflight.delete(insert));
    inflight.add(insert);
    if (inflight.size >= (options.parallel ?? 3)) await Promise.race(inflight);
    if (failure) break;
  }
  // Every insert settles before a failure is reported, so none is left running unobserved.
  await Promise.all(inflight);
  if (failure) throw failure.error;
  // Fresh statistics, or the planner estimates a bulk-loaded month at a few dozen rows. Run as the
  // connecting role (the owner): the tenant role may not analyse (and pg_stats hides statistics of
  // tables under row-level security from it).
  await db.execute(sql`ANALYZE sales_facts, sales_products, sales_customers`);
  const version = await withTenant(db, tenantId, (tx) => bumpDataVersion(tx, tenantId, isoDate(end - 1)));
  return {
    rows: written,
    products: dims.products.length,
    customers: dims.customers.length,
    range: { start: isoDate(start), end: isoDate(end) },
    version,
    ms: performance.now() - started,
  };
}
