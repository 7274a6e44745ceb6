import type { Tx } from '@parley/db';
import { problems } from '@parley/kit';
import { and, asc, eq } from 'drizzle-orm';
import type { Flag } from '../../model/flag.js';
import type { Segment } from '../../model/segment.js';
import { flagConfigs, flagEnvironments, flagProjects, flagSegments } from '../../schema/flags.js';
import type { EnvironmentRef } from '../flag-store.js';

export interface EnvironmentRow {
  id: string;
  projectId: string;
  protected: boolean;
  requiredApprovals: number;
  version: number;
}

/**
 * The environment a reference names (404 when the tenant has none). With `lock`, the row is
 * locked for the transaction: writes to one environment are serialised, so its version counter
 * and the cross-flag checks (prerequisite cycles, segment use) see every committed change.
 */
export async function findEnvironment(tx: Tx, ref: EnvironmentRef, lock = false): Promise<EnvironmentRow> {
  const query = tx
    .select({
      id: flagEnvironments.id,
      projectId: flagEnvironments.projectId,
      protected: flagEnvironments.protected,
      requiredApprovals: flagEnvironments.requiredApprovals,
      version: flagEnvironments.version,
    })
    .from(flagEnvironments)
    .innerJoin(flagProjects, eq(flagProjects.id, flagEnvironments.projectId))
    .where(and(eq(flagProjects.key, ref.project), eq(flagEnvironments.key, ref.environment)));
  const [row] = await (lock ? query.for('update', { of: flagEnvironments }) : query);
  if (!row) throw problems.notFound(`environment '${ref.environment}' of project '${ref.project}' not found`);
  return row;
}

export interface Definitions {
  flags: Map<string, Flag>;
  segments: Map<string, Segment>;
}

/** Every flag and segment of an environment, keyed and in key order. */
export async function loadDefinitions(tx: Tx, environmentId: string): Promise<Definitions> {
  const [flags, segments] = [
    await tx
      .select({ definition: flagConfigs.definition })
      .from(flagConfigs)
      .where(eq(flagConfigs.environmentId, environmentId))
      .orderBy(asc(flagConfigs.key)),
    await tx
      .select({ definition: flagSegments.definition })
      .from(flagSegments)
      .where(eq(flagSegments.environmentId, environmentId))
      .orderBy(asc(flagSegments.key)),
  ];
  return {
    flags: new Map(flags.map((r) => [r.definition.key, r.definition])),
    segments: new Map(segments.map((r) => [r.definition.key, r.definition])),
  };
}
