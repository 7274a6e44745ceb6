import { and, eq, isNotNull, min } from 'drizzle-orm';
import { nextChangeAt } from '../../model/schedule.js';
import { flagChangeRequests, flagDueWork } from '../../schema/flags.js';
import type { WriteContext } from './mutations.js';

/**
 * Records when the environment's next time-based work is due (the earliest scheduled flag change
 * or scheduled change request), so the scheduler finds it without reading every tenant.
 */
export async function refreshDueWork(ctx: WriteContext): Promise<void> {
  let due: number | undefined;
  for (const flag of ctx.flags.values()) {
    const at = nextChangeAt(flag);
    if (at !== undefined && (due === undefined || at < due)) due = at;
  }
  const [scheduled] = await ctx.tx
    .select({ at: min(flagChangeRequests.applyAt) })
    .from(flagChangeRequests)
    .where(
      and(
        eq(flagChangeRequests.environmentId, ctx.environment.id),
        eq(flagChangeRequests.status, 'scheduled'),
        isNotNull(flagChangeRequests.applyAt),
      ),
    );
  const requestAt = scheduled?.at ? new Date(scheduled.at).getTime() : undefined;
  if (requestAt !== undefined && (due === undefined || requestAt < due)) due = requestAt;
  if (due === undefined) {
    await ctx.tx.delete(flagDueWork).where(eq(flagDueWork.environmentId, ctx.environment.id));
    return;
  }
  const dueAt = new Date(due);
  await ctx.tx
    .insert(flagDueWork)
    .values({ environmentId: ctx.environment.id, tenantId: ctx.tenantId, dueAt })
    .onConflictDoUpdate({ target: flagDueWork.environmentId, set: { dueAt } });
}
