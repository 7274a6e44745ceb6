import { randomBytes } from 'node:crypto';
import { findTenant } from './directory/tenants.js';
import type { Iam } from './iam.js';
import { BUILTIN_ROLE_NAMES } from './permissions.js';

export const DEMO_TENANTS = [
  { slug: 'acme', name: 'Acme Corporation' },
  { slug: 'globex', name: 'Globex Corporation' },
] as const;

export interface DemoSeed {
  created: boolean;
  /** Set when the password was generated: shown to the operator once, stored nowhere. */
  generatedPassword?: string;
  users: string[];
}

/**
 * Tenants acme and globex with admin@, analyst@ and guest@<tenant>.test, each holding the
 * built-in role of its name. Does nothing if acme exists already (the demo was seeded before).
 */
export async function seedDemo(iam: Iam, password?: string): Promise<DemoSeed> {
  if (await findTenant(iam.db, 'acme')) return { created: false, users: [] };
  const generated = password ? undefined : randomBytes(15).toString('base64url');
  const users: string[] = [];
  for (const spec of DEMO_TENANTS) {
    const tenant = await iam.createTenant(spec);
    for (const role of BUILTIN_ROLE_NAMES) {
      const email = `${role}@${spec.slug}.test`;
      await iam.createUser(tenant.id, { email, password: password ?? generated!, roles: [role] });
      users.push(email);
    }
  }
  return { created: true, generatedPassword: generated, users };
}
