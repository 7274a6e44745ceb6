import type { Tx } from '@parley/db';
import { newId, problems } from '@parley/kit';
import { asc, eq } from 'drizzle-orm';
import { flagEnvironments, flagProjects } from '../../schema/flags.js';

export interface ProjectView {
  key: string;
  name: string;
  createdAt: string;
}

export interface EnvironmentView {
  key: string;
  name: string;
  protected: boolean;
  requiredApprovals: number;
  /** Ruleset version: grows with every change of a flag or segment in the environment. */
  version: number;
  createdAt: string;
}

export interface EnvironmentSettings {
  name?: string;
  protected?: boolean;
  requiredApprovals?: number;
}

const UNIQUE_VIOLATION = '23505';

export async function createProject(
  tx: Tx,
  tenantId: string,
  input: { key: string; name: string },
): Promise<ProjectView> {
  const rows = await insertUnique(
    () =>
      tx
        .insert(flagProjects)
        .values({ id: newId(), tenantId, ...input })
        .returning(),
    `project '${input.key}' exists already`,
  );
  return projectView(rows[0]!);
}

export async function listProjects(tx: Tx): Promise<ProjectView[]> {
  return (await tx.select().from(flagProjects).orderBy(asc(flagProjects.key))).map(projectView);
}

export async function findProjectId(tx: Tx, key: string): Promise<string> {
  const [row] = await tx.select({ id: flagProjects.id }).from(flagProjects).where(eq(flagProjects.key, key));
  if (!row) throw problems.notFound(`project '${key}' not found`);
  return row.id;
}

export async function createEnvironment(
  tx: Tx,
  tenantId: string,
  project: string,
  input: { key: string; name: string } & EnvironmentSettings,
): Promise<EnvironmentView> {
  const projectId = await findProjectId(tx, project);
  const rows = await insertUnique(
    () =>
      tx
        .insert(flagEnvironments)
        .values({ id: newId(), tenantId, projectId, ...input })
        .returning(),
    `environment '${input.key}' exists already in project '${project}'`,
  );
  return environmentView(rows[0]!);
}

export async function listEnvironments(tx: Tx, project: string): Promise<EnvironmentView[]> {
  const projectId = await findProjectId(tx, project);
  const rows = await tx
    .select()
    .from(flagEnvironments)
    .where(eq(flagEnvironments.projectId, projectId))
    .orderBy(asc(flagEnvironments.key));
  return rows.map(environmentView);
}

export async function updateEnvironment(
  tx: Tx,
  id: string,
  settings: EnvironmentSettings,
): Promise<EnvironmentView> {
  const [row] = await tx
    .update(flagEnvironments)
    .set(settings)
    .where(eq(flagEnvironments.id, id))
    .returning();
  return environmentView(row!);
}

/** A unique-key violation as 409 (two creators racing, or a key taken), anything else unchanged. */
async function insertUnique<T>(insert: () => Promise<T>, conflict: string): Promise<T> {
  try {
    return await insert();
  } catch (error) {
    const code =
      (error as { code?: string; cause?: { code?: string } }).code ??
      (error as { cause?: { code?: string } }).cause?.code;
    if (code === UNIQUE_VIOLATION) throw problems.conflict(conflict);
    throw error;
  }
}

function projectView(row: typeof flagProjects.$inferSelect): ProjectView {
  return { key: row.key, name: row.name, createdAt: row.createdAt.toISOString() };
}

function environmentView(row: typeof flagEnvironments.$inferSelect): EnvironmentView {
  return {
    key: row.key,
    name: row.name,
    protected: row.protected,
    requiredApprovals: row.requiredApprovals,
    version: row.version,
    createdAt: row.createdAt.toISOString(),
  };
}
