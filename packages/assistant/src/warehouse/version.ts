import type { Executor } from '@parley/db';
import { eq, sql } from 'drizzle-orm';
import { salesDataVersions } from './schema.js';

export interface DataVersion {
  version: number;
  /** The last sale date loaded (ISO, inclusive); absent for an empty warehouse. */
  through?: string;
}

/** The tenant's warehouse data version; 0 when nothing was ever loaded. Runs inside withTenant. */
export async function readDataVersion(tx: Executor, tenantId: string): Promise<DataVersion> {
  const [row] = await tx
    .select({ version: salesDataVersions.version, through: salesDataVersions.through })
    .from(salesDataVersions)
    .where(eq(salesDataVersions.tenantId, tenantId));
  return row ? { version: row.version, ...(row.through ? { through: row.through } : {}) } : { version: 0 };
}

/** Bumps the tenant's data version after a load; returns the new one. Runs inside withTenant. */
export async function bumpDataVersion(tx: Executor, tenantId: string, through: string): Promise<DataVersion> {
  const [row] = await tx
    .insert(salesDataVersions)
    .values({ tenantId, version: 1, through })
    .onConflictDoUpdate({
      target: salesDataVersions.tenantId,
      set: { version: sql`${salesDataVersions.version} + 1`, through, refreshedAt: sql`now()` },
    })
    .returning({ version: salesDataVersions.version });
  return { version: row!.version, through };
}
