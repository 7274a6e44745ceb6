import { type Db, withTenant } from '@parley/db';
import type { Clock } from '@parley/kit';
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
  await withTenant(db, tenantId, async (tx) => {
    await clearWarehouse(tx, tenantId);
    await insertDimensions(tx, tenantId, dims);
  });
  const generator = new FactGenerator(dims, seed ^ 0x5bd1e995);
  let written = 0;
  for (const batch of generator.batches({ start, end, rows, firstOrderId: 1 }, options.batchSize ?? 25_000)) {
    await withTenant(db, tenantId, (tx) => insertFacts(tx, tenantId, batch));
    written += batch.length;
    options.onProgress?.(written, rows);
  }
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
