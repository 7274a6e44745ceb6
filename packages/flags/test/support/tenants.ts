import { type Database, tenants } from '@parley/db';
import { newId } from '@parley/kit';

/** A tenant row (the global table every tenant-owned row references); returns its id. */
export async function createTenant(database: Database, slug: string): Promise<string> {
  const id = newId();
  await database.db.insert(tenants).values({ id, slug: `${slug}-${id.slice(-8)}`, name: slug });
  return id;
}
