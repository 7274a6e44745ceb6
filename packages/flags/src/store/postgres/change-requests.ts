import type { Tx } from '@parley/db';
import { type FieldError, newId, ProblemError, problems } from '@parley/kit';
import { and, asc, desc, eq, lte } from 'drizzle-orm';
import { flagApprovals, flagChangeRequests } from '../../schema/flags.js';
import { validateFlag, validateSegment } from '../../validate.js';
import type { Definitions, EnvironmentRow } from './environment.js';
import { deleteFlag, deleteSegment, putFlag, putSegment, type WriteContext } from './mutations.js';

export interface ChangeRequestInput {
  subject: 'flag' | 'segment';
  key: string;
  operation: 'put' | 'delete';
  /** The whole new definition, for `put`. */
  definition?: unknown;
  /** Apply at this time once approved (ISO 8601); immediately when absent or past. */
  applyAt?: string;
}

export interface ChangeRequestView {
  id: string;
  subject: 'flag' | 'segment';
  key: string;
  operation: 'put' | 'delete';
  definition: unknown;
  baseVersion: number;
  applyAt: string | null;
  status: 'open' | 'scheduled' | 'applied' | 'failed' | 'cancelled';
  statusDetail: string | null;
  revision: number;
  author: string;
  /** Approvals of the current revision; an edit starts the count again. */
  approvals: { approver: string; at: string }[];
  requiredApprovals: number;
  createdAt: string;
  updatedAt: string;
  appliedAt: string | null;
}

type Row = typeof flagChangeRequests.$inferSelect;

export async function createChangeRequest(
  tx: Tx,
  tenantId: string,
  environment: EnvironmentRow,
  definitions: Definitions,
  input: ChangeRequestInput,
  author: string,
  now: Date,
): Promise<ChangeRequestView> {
  requireProtected(environment);
  const [row] = await tx
    .insert(flagChangeRequests)
    .values({
      id: newId(),
      tenantId,
      environmentId: environment.id,
      ...proposal(definitions, input),
      author,
      createdAt: now,
      updatedAt: now,
    })
    .returning();
  return view(tx, row!, environment);
}

/**
 * Replaces the proposed change. Only its author edits it; the revision grows, so approvals given
 * to the previous revision no longer count, and the change is re-based on the current version.
 */
export async function editChangeRequest(
  tx: Tx,
  environment: EnvironmentRow,
  definitions: Definitions,
  id: string,
  input: ChangeRequestInput,
  editor: string,
  expectedRevision: number | undefined,
  now: Date,
): Promise<ChangeRequestView> {
  const row = await lockRequest(tx, environment, id);
  if (row.status !== 'open')
    throw problems.conflict(`change request is ${row.status}; it can no longer be edited`);
  if (row.author !== editor) throw problems.forbidden('only the author of a change request can edit it');
  if (expectedRevision !== undefined && expectedRevision !== row.revision)
    throw problems.preconditionFailed(
      `change request is at revision ${row.revision}, not ${expectedRevision}; reload it and edit again`,
    );
  const [updated] = await tx
    .update(flagChangeRequests)
    .set({
      ...proposal(definitions, input),
      revision: row.revision + 1,
      updatedAt: now,
    })
    .where(eq(flagChangeRequests.id, id))
    .returning();
  return view(tx, updated!, environment);
}

/**
 * Approves the current revision. Nobody approves their own change. With enough approvals the
 * change is applied now, or scheduled for its `applyAt`.
 */
export async function approveChangeRequest(
  ctx: WriteContext,
  id: string,
  approver: string,
): Promise<ChangeRequestView> {
  const row = await lockRequest(ctx.tx, ctx.environment, id);
  if (row.status !== 'open')
    throw problems.conflict(`change request is ${row.status}; it takes no approvals`);
  if (row.author === approver) throw problems.forbidden('the author of a change request cannot approve it');
  await ctx.tx
    .insert(flagApprovals)
    .values({ tenantId: ctx.tenantId, changeRequestId: id, approver, revision: row.revision, at: ctx.now })
    .onConflictDoNothing();
  const approvals = await approvalsOf(ctx.tx, row);
  if (approvals.length < ctx.environment.requiredApprovals) return view(ctx.tx, row, ctx.environment);
  if (row.applyAt && row.applyAt.getTime() > ctx.now.getTime()) return setStatus(ctx, row, 'scheduled', null);
  await apply(ctx, row);
  return setStatus(ctx, row, 'applied', null);
}

export async function cancelChangeRequest(
  ctx: WriteContext,
  id: string,
  caller: string,
  mayApprove: boolean,
): Promise<ChangeRequestView> {
  const row = await lockRequest(ctx.tx, ctx.environment, id);
  if (row.status !== 'open' && row.status !== 'scheduled')
    throw problems.conflict(`change request is ${row.status}; it cannot be cancelled`);
  if (row.author !== caller && !mayApprove)
    throw problems.forbidden('only the author or an approver can cancel a change request');
  return setStatus(ctx, row, 'cancelled', `cancelled by ${caller}`);
}

/**
 * Applies the scheduled change requests that are due. One that no longer applies (the subject
 * changed since, or no longer validates) is marked failed with the reason instead of blocking the rest.
 */
export async function applyDueChangeRequests(ctx: WriteContext): Promise<void> {
  const due = await ctx.tx
    .select()
    .from(flagChangeRequests)
    .where(
      and(
        eq(flagChangeRequests.environmentId, ctx.environment.id),
        eq(flagChangeRequests.status, 'scheduled'),
        lte(flagChangeRequests.applyAt, ctx.now),
      ),
    )
    .orderBy(asc(flagChangeRequests.applyAt))
    .for('update');
  for (const row of due) {
    try {
      await ctx.tx.transaction(async (savepoint) => apply({ ...ctx, tx: savepoint as unknown as Tx }, row));
      await setStatus(ctx, row, 'applied', null);
    } catch (error) {
      if (!(error instanceof ProblemError)) throw error;
      await setStatus(ctx, row, 'failed', error.message);
    }
  }
}

export async function listChangeRequests(
  tx: Tx,
  environment: EnvironmentRow,
  status?: Row['status'],
): Promise<ChangeRequestView[]> {
  const rows = await tx
    .select()
    .from(flagChangeRequests)
    .where(
      and(
        eq(flagChangeRequests.environmentId, environment.id),
        status ? eq(flagChangeRequests.status, status) : undefined,
      ),
    )
    .orderBy(desc(flagChangeRequests.createdAt))
    .limit(500);
  return Promise.all(rows.map((row) => view(tx, row, environment)));
}

export async function getChangeRequest(
  tx: Tx,
  environment: EnvironmentRow,
  id: string,
): Promise<ChangeRequestView> {
  const [row] = await tx
    .select()
    .from(flagChangeRequests)
    .where(and(eq(flagChangeRequests.id, id), eq(flagChangeRequests.environmentId, environment.id)));
  if (!row) throw problems.notFound(`change request '${id}' not found`);
  return view(tx, row, environment);
}

function requireProtected(environment: EnvironmentRow): void {
  if (!environment.protected)
    throw problems.conflict('the environment is not protected: change its flags directly');
}

/** The stored columns of a proposed change, validated against the environment now. */
function proposal(definitions: Definitions, input: ChangeRequestInput) {
  return {
    subject: input.subject,
    key: input.key,
    operation: input.operation,
    definition: input.operation === 'put' ? input.definition : null,
    baseVersion: currentVersionIfValid(definitions, input),
    applyAt: input.applyAt ? new Date(input.applyAt) : null,
  };
}

/** Validates the proposed change against the environment now; returns the subject's current version. */
function currentVersionIfValid(definitions: Definitions, input: ChangeRequestInput): number {
  const current = (input.subject === 'flag' ? definitions.flags : definitions.segments).get(input.key);
  if (input.operation === 'delete') {
    if (!current) throw problems.notFound(`${input.subject} '${input.key}' not found`);
    return current.version ?? 0;
  }
  const result =
    input.subject === 'flag'
      ? validateFlag(input.definition, definitions)
      : validateSegment(input.definition, definitions);
  const issues: FieldError[] = result.ok ? [] : result.issues;
  if (result.ok && result.value.key !== input.key)
    issues.push({
      path: '/key',
      message: `is '${input.key}' but the definition's key is '${result.value.key}'`,
    });
  if (issues.length)
    throw problems.validation(
      issues.map((i) => (i.path === '/key' ? i : { path: `/definition${i.path}`, message: i.message })),
    );
  return current?.version ?? 0;
}

async function apply(ctx: WriteContext, row: Row): Promise<void> {
  const scoped = { ...ctx, changeRequestId: row.id, actor: row.author };
  // The change was reviewed against baseVersion: if the subject moved since, it must be re-reviewed (412).
  const options = { expectedVersion: row.baseVersion };
  if (row.subject === 'flag')
    await (row.operation === 'put'
      ? putFlag(scoped, row.definition, options)
      : deleteFlag(scoped, row.key, options));
  else
    await (row.operation === 'put'
      ? putSegment(scoped, row.definition, options)
      : deleteSegment(scoped, row.key, options));
}

async function setStatus(
  ctx: WriteContext,
  row: Row,
  status: Row['status'],
  detail: string | null,
): Promise<ChangeRequestView> {
  const [updated] = await ctx.tx
    .update(flagChangeRequests)
    .set({
      status,
      statusDetail: detail,
      updatedAt: ctx.now,
      ...(status === 'applied' && { appliedAt: ctx.now }),
    })
    .where(eq(flagChangeRequests.id, row.id))
    .returning();
  return view(ctx.tx, updated!, ctx.environment);
}

async function lockRequest(tx: Tx, environment: EnvironmentRow, id: string): Promise<Row> {
  const [row] = await tx
    .select()
    .from(flagChangeRequests)
    .where(and(eq(flagChangeRequests.id, id), eq(flagChangeRequests.environmentId, environment.id)))
    .for('update');
  if (!row) throw problems.notFound(`change request '${id}' not found`);
  return row;
}

async function approvalsOf(tx: Tx, row: Row): Promise<{ approver: string; at: Date }[]> {
  return tx
    .select({ approver: flagApprovals.approver, at: flagApprovals.at })
    .from(flagApprovals)
    .where(and(eq(flagApprovals.changeRequestId, row.id), eq(flagApprovals.revision, row.revision)))
    .orderBy(asc(flagApprovals.at));
}

async function view(tx: Tx, row: Row, environment: EnvironmentRow): Promise<ChangeRequestView> {
  const approvals = await approvalsOf(tx, row);
  const iso = (d: Date | null) => d?.toISOString() ?? null;
  return {
    id: row.id,
    subject: row.subject,
    key: row.key,
    operation: row.operation,
    definition: row.definition,
    baseVersion: row.baseVersion,
    applyAt: iso(row.applyAt),
    status: row.status,
    statusDetail: row.statusDetail,
    revision: row.revision,
    author: row.author,
    approvals: approvals.map((a) => ({ approver: a.approver, at: a.at.toISOString() })),
    requiredApprovals: environment.requiredApprovals,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    appliedAt: iso(row.appliedAt),
  };
}
