import type { Tx } from '@parley/db';
import { newId, problems } from '@parley/kit';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { flagEnvironments, flagProjects, flagSdkKeys } from '../../schema/flags.js';
import type { EnvironmentRef } from '../flag-store.js';
import type { EnvironmentRow } from './environment.js';
import { hashSdkKey, newSdkKey, type SdkKeyKind } from './sdk-key-format.js';

export interface SdkKeyView {
  id: string;
  kind: SdkKeyKind;
  name: string;
  /** Recognisable start of the key; the key itself is shown once, at creation. */
  prefix: string;
  createdBy: string;
  createdAt: string;
  revokedAt: string | null;
}

type Row = typeof flagSdkKeys.$inferSelect;

export async function createSdkKey(
  tx: Tx,
  tenantId: string,
  environment: EnvironmentRow,
  input: { kind: SdkKeyKind; name: string },
  createdBy: string,
): Promise<{ key: string; view: SdkKeyView }> {
  const { key, hash, display } = newSdkKey(input.kind, tenantId);
  const [row] = await tx
    .insert(flagSdkKeys)
    .values({
      id: newId(),
      tenantId,
      environmentId: environment.id,
      kind: input.kind,
      name: input.name,
      prefix: display,
      keyHash: hash,
      createdBy,
    })
    .returning();
  return { key, view: toView(row!) };
}

export async function listSdkKeys(tx: Tx, environment: EnvironmentRow): Promise<SdkKeyView[]> {
  const rows = await tx
    .select()
    .from(flagSdkKeys)
    .where(eq(flagSdkKeys.environmentId, environment.id))
    .orderBy(asc(flagSdkKeys.createdAt));
  return rows.map(toView);
}

export async function revokeSdkKey(
  tx: Tx,
  environment: EnvironmentRow,
  id: string,
  at: Date,
): Promise<string> {
  const [row] = await tx
    .update(flagSdkKeys)
    .set({ revokedAt: at })
    .where(
      and(
        eq(flagSdkKeys.id, id),
        eq(flagSdkKeys.environmentId, environment.id),
        isNull(flagSdkKeys.revokedAt),
      ),
    )
    .returning({ hash: flagSdkKeys.keyHash });
  if (!row) throw problems.notFound(`no active SDK key '${id}' in this environment`);
  return row.hash;
}

/** The environment and kind of an active key (looked up by hash inside its tenant), or undefined. */
export async function findSdkKey(
  tx: Tx,
  tenantId: string,
  key: string,
): Promise<{ environment: EnvironmentRef; kind: SdkKeyKind } | undefined> {
  const [row] = await tx
    .select({ kind: flagSdkKeys.kind, project: flagProjects.key, environment: flagEnvironments.key })
    .from(flagSdkKeys)
    .innerJoin(flagEnvironments, eq(flagEnvironments.id, flagSdkKeys.environmentId))
    .innerJoin(flagProjects, eq(flagProjects.id, flagEnvironments.projectId))
    .where(and(eq(flagSdkKeys.keyHash, hashSdkKey(key)), isNull(flagSdkKeys.revokedAt)));
  return (
    row && { environment: { tenantId, project: row.project, environment: row.environment }, kind: row.kind }
  );
}

function toView(row: Row): SdkKeyView {
  return {
    id: row.id,
    kind: row.kind,
    name: row.name,
    prefix: row.prefix,
    createdBy: row.createdBy,
    createdAt: row.createdAt.toISOString(),
    revokedAt: row.revokedAt?.toISOString() ?? null,
  };
}
