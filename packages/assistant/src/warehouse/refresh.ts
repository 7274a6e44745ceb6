import { type Db, queryRows, withTenant } from '@parley/db';
import type { Clock } from '@parley/kit';
import { sql } from 'drizzle-orm';
import { dayFromMillis, isoDate, parseIsoDate } from '../slots/calendar.js';
import { seedOf } from './dimensions.js';
import { dayWeight, FactGenerator } from './facts.js';
import { insertFacts, readDimensions } from './load.js';
import { salesFacts } from './schema.js';
import { bumpDataVersion, type DataVersion, readDataVersion } from './version.js';

export interface RefreshResult {
  /** Order lines appended (0 when the warehouse was already up to date). */
  rows: number;
  /** The days appended, ISO dates. */
  days: string[];
  /** The data version after the refresh (unchanged when nothing was appended). */
  version: DataVersion;
}

/** Days of recent history whose volume sets the volume of the appended days. */
const REFERENCE_DAYS = 28;

/**
 * The warehouse refresh: appends the sales of every day since the last load up to yesterday and
 * bumps the tenant's data version, so answers cached from the older data become unreachable.
 * The appended days continue the tenant's seeded history (same catalogue, same calendar weights,
 * the recent daily volume). A tenant with no warehouse is left alone.
 */
export async function refreshSales(db: Db, tenantId: string, clock: Clock): Promise<RefreshResult> {
  return withTenant(db, tenantId, async (tx) => {
    const current = await readDataVersion(tx, tenantId);
    const last = current.through ? parseIsoDate(current.through) : undefined;
    const yesterday = dayFromMillis(clock.now()) - 1;
    if (last === undefined || last >= yesterday) return { rows: 0, days: [], version: current };
    const [recent] = await queryRows<{ lines: string; next_order: string }>(
      tx,
      sql`SELECT
            (SELECT count(*) FROM ${salesFacts} WHERE tenant_id = ${tenantId} AND sale_date > ${isoDate(last - REFERENCE_DAYS)}::date) AS lines,
            (SELECT coalesce(max(order_id), 0) + 1 FROM ${salesFacts} WHERE tenant_id = ${tenantId}) AS next_order`,
    );
    let referenceWeight = 0;
    for (let day = last - REFERENCE_DAYS + 1; day <= last; day++) referenceWeight += dayWeight(day);
    let newWeight = 0;
    for (let day = last + 1; day <= yesterday; day++) newWeight += dayWeight(day);
    const rows = Math.max(1, Math.round((Number(recent!.lines) * newWeight) / referenceWeight));
    const dims = await readDimensions(tx);
    // Seeded by the days appended, so each refresh draws new sales rather than repeating a day.
    const generator = new FactGenerator(dims, seedOf(`${tenantId}:${last + 1}`));
    const range = { start: last + 1, end: yesterday + 1, rows, firstOrderId: Number(recent!.next_order) };
    for (const batch of generator.batches(range, 25_000)) await insertFacts(tx, tenantId, batch);
    const version = await bumpDataVersion(tx, tenantId, isoDate(yesterday));
    const days: string[] = [];
    for (let day = last + 1; day <= yesterday; day++) days.push(isoDate(day));
    return { rows, days, version };
  });
}
