import type { Tx } from '@parley/db';
import { newId, problems } from '@parley/kit';
import { asc, eq } from 'drizzle-orm';
import { hashPassword } from '../passwords/hashing.js';
import { passwordProblem } from '../passwords/policy.js';
import { roles, userRoles, users } from '../schema/iam.js';
import { setUserRoles } from './roles.js';

export interface UserView {
  id: string;
  email: string;
  displayName: string;
  status: 'active' | 'disabled';
  roles: string[];
  createdAt: string;
  lastLoginAt: string | null;
}

const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,255}$/;

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function createUser(
  tx: Tx,
  tenantId: string,
  input: { email: string; password: string; displayName?: string; roles: string[] },
): Promise<UserView> {
  const email = normaliseEmail(input.email);
  if (!EMAIL.test(email)) throw problems.badRequest('email is not an email address');
  const weak = passwordProblem(input.password);
  if (weak) throw problems.badRequest(`password ${weak}`);
  const [existing] = await tx.select({ id: users.id }).from(users).where(eq(users.email, email));
  if (existing) throw problems.conflict(`A user with email ${email} already exists in this tenant`);
  const id = newId();
  const passwordHash = await hashPassword(input.password);
  await tx.insert(users).values({ id, tenantId, email, passwordHash, displayName: input.displayName ?? '' });
  await setUserRoles(tx, tenantId, id, input.roles);
  const [user] = await listUsers(tx, id);
  return user!;
}

export async function listUsers(tx: Tx, onlyId?: string): Promise<UserView[]> {
  const rows = await tx
    .select()
    .from(users)
    .where(onlyId ? eq(users.id, onlyId) : undefined)
    .orderBy(asc(users.email));
  const memberships = await tx
    .select({ userId: userRoles.userId, name: roles.name })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId));
  return rows.map((u) => ({
    id: u.id,
    email: u.email,
    displayName: u.displayName,
    status: u.status,
    roles: memberships
      .filter((m) => m.userId === u.id)
      .map((m) => m.name)
      .sort(),
    createdAt: u.createdAt.toISOString(),
    lastLoginAt: u.lastLoginAt?.toISOString() ?? null,
  }));
}

export async function findUserByEmail(tx: Tx, email: string) {
  const [user] = await tx
    .select()
    .from(users)
    .where(eq(users.email, normaliseEmail(email)));
  return user;
}

export async function userRoleNames(tx: Tx, userId: string): Promise<string[]> {
  const rows = await tx
    .select({ name: roles.name })
    .from(userRoles)
    .innerJoin(roles, eq(roles.id, userRoles.roleId))
    .where(eq(userRoles.userId, userId));
  return rows.map((r) => r.name).sort();
}
