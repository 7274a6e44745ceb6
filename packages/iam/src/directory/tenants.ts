import { type Db, tenants, withTenant } from '@parley/db';
import { newId, problems } from '@parley/kit';
import { eq } from 'drizzle-orm';
import { createBuiltinRoles } from './roles.js';

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

export interface TenantView {
  id: string;
  slug: string;
  name: string;
  status: 'active' | 'suspended';
}

/** A tenant with its built-in roles. Tenants are global rows, written outside any tenant scope. */
export async function createTenant(db: Db, input: { slug: string; name: string }): Promise<TenantView> {
  if (!SLUG.test(input.slug))
    throw problems.badRequest('Tenant slugs are 2-63 characters: lowercase letters, digits and -');
  const [existing] = await db.select({ id: tenants.id }).from(tenants).where(eq(tenants.slug, input.slug));
  if (existing) throw problems.conflict(`Tenant ${input.slug} already exists`);
  const id = newId();
  await db.insert(tenants).values({ id, slug: input.slug, name: input.name });
  await withTenant(db, id, (tx) => createBuiltinRoles(tx, id));
  return { id, slug: input.slug, name: input.name, status: 'active' };
}

export async function findTenant(db: Db, slug: string): Promise<TenantView | undefined> {
  const [row] = await db.select().from(tenants).where(eq(tenants.slug, slug));
  return row;
}

export async function requireTenant(db: Db, slug: string): Promise<TenantView> {
  const tenant = await findTenant(db, slug);
  if (!tenant) throw problems.notFound(`No tenant ${slug}`);
  return tenant;
}
