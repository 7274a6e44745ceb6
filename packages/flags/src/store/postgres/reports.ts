import type { Tx } from '@parley/db';
import { and, desc, eq, sql } from 'drizzle-orm';
import { flagConfigs, flagEvaluations, flagHistory } from '../../schema/flags.js';
import { type StaleFlagEntry, type StaleThresholds, staleEntry } from '../../stale.js';
import type { FlagUsage } from '../flag-store.js';
import type { EnvironmentRow } from './environment.js';

export interface HistoryEntry {
  id: string;
  action: 'create' | 'update' | 'delete';
  version: number;
  actor: string;
  at: string;
  changeRequestId: string | null;
  /** JSON Patch (RFC 6902) from the previous definition to this one. */
  diff: unknown;
}

export async function historyOf(
  tx: Tx,
  environment: EnvironmentRow,
  subject: 'flag' | 'segment',
  key: string,
  limit: number,
): Promise<HistoryEntry[]> {
  const rows = await tx
    .select()
    .from(flagHistory)
    .where(
      and(
        eq(flagHistory.environmentId, environment.id),
        eq(flagHistory.subject, subject),
        eq(flagHistory.key, key),
      ),
    )
    .orderBy(desc(flagHistory.at), desc(flagHistory.id))
    .limit(limit);
  return rows.map((r) => ({
    id: r.id,
    action: r.action,
    version: r.version,
    actor: r.actor,
    at: r.at.toISOString(),
    changeRequestId: r.changeRequestId,
    diff: r.diff,
  }));
}

/**
 * Adds a batch of evaluation counts. Keys that are not flags of the environment are dropped, so
 * an SDK cannot fill the table with made-up keys.
 */
export async function addEvaluations(
  tx: Tx,
  environment: EnvironmentRow,
  counts: Readonly<Record<string, number>>,
  at: Date,
): Promise<void> {
  const valid = Object.fromEntries(
    Object.entries(counts).filter(([, n]) => Number.isSafeInteger(n) && n > 0),
  );
  if (Object.keys(valid).length === 0) return;
  await tx.execute(sql`
    INSERT INTO flag_evaluations (tenant_id, environment_id, key, evaluations, last_evaluated_at)
    SELECT c.tenant_id, c.environment_id, c.key, b.value::bigint, ${at.toISOString()}::timestamptz
      FROM jsonb_each_text(${JSON.stringify(valid)}::jsonb) AS b
      JOIN flag_configs c ON c.environment_id = ${environment.id} AND c.key = b.key
    ON CONFLICT (environment_id, key) DO UPDATE
      SET evaluations = flag_evaluations.evaluations + excluded.evaluations,
          last_evaluated_at = greatest(flag_evaluations.last_evaluated_at, excluded.last_evaluated_at)`);
}

export async function usageOf(tx: Tx, environment: EnvironmentRow): Promise<FlagUsage[]> {
  const rows = await tx
    .select()
    .from(flagEvaluations)
    .where(eq(flagEvaluations.environmentId, environment.id));
  return rows.map((r) => ({
    key: r.key,
    evaluations: r.evaluations,
    lastEvaluatedAt: r.lastEvaluatedAt.getTime(),
  }));
}

/** Every flag of the environment with its activity, judged against the thresholds. */
export async function staleReport(
  tx: Tx,
  environment: EnvironmentRow,
  now: number,
  limits: StaleThresholds,
): Promise<StaleFlagEntry[]> {
  const rows = await tx
    .select({
      definition: flagConfigs.definition,
      updatedAt: flagConfigs.updatedAt,
      uniformSince: flagConfigs.uniformSince,
      evaluations: flagEvaluations.evaluations,
      lastEvaluatedAt: flagEvaluations.lastEvaluatedAt,
    })
    .from(flagConfigs)
    .leftJoin(
      flagEvaluations,
      and(
        eq(flagEvaluations.environmentId, flagConfigs.environmentId),
        eq(flagEvaluations.key, flagConfigs.key),
      ),
    )
    .where(eq(flagConfigs.environmentId, environment.id))
    .orderBy(flagConfigs.key);
  return rows.map((r) =>
    staleEntry(
      {
        flag: r.definition,
        updatedAt: r.updatedAt.getTime(),
        uniformSince: r.uniformSince?.getTime() ?? null,
        evaluations: r.evaluations ?? 0,
        lastEvaluatedAt: r.lastEvaluatedAt?.getTime() ?? null,
      },
      now,
      limits,
    ),
  );
}
