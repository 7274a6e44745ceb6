import { sql } from 'drizzle-orm';
import type { Db, Tx } from './database.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Runs `work` in a transaction scoped to one tenant. Inside, the session is the parley_app role
 * (no table ownership, no BYPASSRLS) and app.tenant_id is set for this transaction only, so the
 * row-level security policies hide and refuse every other tenant's rows even if a query forgets
 * its `WHERE tenant_id = …`. Both settings end with the transaction, so a pooled connection
 * never carries a tenant into the next request.
 */
export async function withTenant<T>(db: Db, tenantId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
  if (!UUID.test(tenantId))
    throw new TypeError(`withTenant: tenant id must be a UUID, got ${JSON.stringify(tenantId)}`);
  return db.transaction(async (tx) => {
    // One round trip for both: `role` is a setting, so set_config(…, true) is SET LOCAL ROLE.
    await tx.execute(
      sql`SELECT set_config('app.tenant_id', ${tenantId}, true), set_config('role', 'parley_app', true)`,
    );
    return work(tx as unknown as Tx);
  });
}
