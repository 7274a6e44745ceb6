import type { Tx } from '@parley/db';
import { newId, problems } from '@parley/kit';
import { asc, eq, inArray } from 'drizzle-orm';
import { BUILTIN_ROLE_NAMES, BUILTIN_ROLES, isPermission } from '../permissions.js';
import { rolePermissions, roles, userRoles } from '../schema/iam.js';

export interface RoleView {
  id: string;
  name: string;
  description: string;
  builtin: boolean;
  permissions: string[];
}

const ROLE_NAME = /^[a-z][a-z0-9_-]{1,39}$/;

/** Creates the built-in roles of a new tenant. */
export async function createBuiltinRoles(tx: Tx, tenantId: string): Promise<void> {
  for (const name of BUILTIN_ROLE_NAMES) {
    const id = newId();
    await tx
      .insert(roles)
      .values({ id, tenantId, name, builtin: true, description: `Built-in ${name} role` });
    await tx
      .insert(rolePermissions)
      .values(BUILTIN_ROLES[name].map((permission) => ({ tenantId, roleId: id, permission })));
  }
}

export async function listRoles(tx: Tx): Promise<RoleView[]> {
  const rows = await tx.select().from(roles).orderBy(asc(roles.name));
  const grants = await tx.select().from(rolePermissions);
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    builtin: r.builtin,
    permissions: grants
      .filter((g) => g.roleId === r.id)
      .map((g) => g.permission)
      .sort(),
  }));
}

function checkPermissions(permissions: readonly string[]): void {
  const unknown = permissions.filter((p) => !isPermission(p));
  if (unknown.length > 0) throw problems.badRequest(`Unknown permission(s): ${unknown.join(', ')}`);
}

export async function createRole(
  tx: Tx,
  tenantId: string,
  input: { name: string; description?: string; permissions: string[] },
): Promise<RoleView> {
  if (!ROLE_NAME.test(input.name))
    throw problems.badRequest('Role names are 2-40 characters: lowercase letters, digits, _ and -');
  checkPermissions(input.permissions);
  const [existing] = await tx.select({ id: roles.id }).from(roles).where(eq(roles.name, input.name));
  if (existing) throw problems.conflict(`Role ${input.name} already exists`);
  const id = newId();
  await tx.insert(roles).values({ id, tenantId, name: input.name, description: input.description ?? '' });
  const permissions = [...new Set(input.permissions)].sort();
  if (permissions.length > 0)
    await tx
      .insert(rolePermissions)
      .values(permissions.map((permission) => ({ tenantId, roleId: id, permission })));
  return { id, name: input.name, description: input.description ?? '', builtin: false, permissions };
}

/** Replaces a custom role's grants. Built-in roles are fixed so every tenant means the same by them. */
export async function setRolePermissions(
  tx: Tx,
  tenantId: string,
  name: string,
  permissions: string[],
): Promise<void> {
  checkPermissions(permissions);
  const [role] = await tx.select().from(roles).where(eq(roles.name, name));
  if (!role) throw problems.notFound(`No role ${name}`);
  if (role.builtin) throw problems.conflict(`Built-in role ${name} cannot be changed`);
  await tx.delete(rolePermissions).where(eq(rolePermissions.roleId, role.id));
  const unique = [...new Set(permissions)];
  if (unique.length > 0)
    await tx
      .insert(rolePermissions)
      .values(unique.map((permission) => ({ tenantId, roleId: role.id, permission })));
}

export async function deleteRole(tx: Tx, name: string): Promise<void> {
  const [role] = await tx.select().from(roles).where(eq(roles.name, name));
  if (!role) throw problems.notFound(`No role ${name}`);
  if (role.builtin) throw problems.conflict(`Built-in role ${name} cannot be deleted`);
  await tx.delete(roles).where(eq(roles.id, role.id));
}

/** Role ids by name; every name must exist in the tenant. */
export async function roleIds(tx: Tx, names: readonly string[]): Promise<string[]> {
  if (names.length === 0) return [];
  const rows = await tx
    .select({ id: roles.id, name: roles.name })
    .from(roles)
    .where(inArray(roles.name, [...names]));
  const missing = names.filter((n) => !rows.some((r) => r.name === n));
  if (missing.length > 0) throw problems.badRequest(`Unknown role(s): ${missing.join(', ')}`);
  return rows.map((r) => r.id);
}

/** The permissions the named roles grant together. */
export async function permissionsOfRoles(tx: Tx, names: readonly string[]): Promise<Set<string>> {
  if (names.length === 0) return new Set();
  const rows = await tx
    .select({ permission: rolePermissions.permission })
    .from(rolePermissions)
    .innerJoin(roles, eq(roles.id, rolePermissions.roleId))
    .where(inArray(roles.name, [...names]));
  return new Set(rows.map((r) => r.permission));
}

export async function setUserRoles(
  tx: Tx,
  tenantId: string,
  userId: string,
  names: readonly string[],
): Promise<void> {
  const ids = await roleIds(tx, names);
  await tx.delete(userRoles).where(eq(userRoles.userId, userId));
  if (ids.length > 0) await tx.insert(userRoles).values(ids.map((roleId) => ({ tenantId, userId, roleId })));
}
