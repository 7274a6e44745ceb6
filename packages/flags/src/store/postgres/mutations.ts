import type { Tx } from '@parley/db';
import { newId, problems } from '@parley/kit';
import { and, eq, sql } from 'drizzle-orm';
import fastJsonPatch from 'fast-json-patch';
import type { Flag } from '../../model/flag.js';
import type { Segment } from '../../model/segment.js';
import { flagConfigs, flagDefinitions, flagHistory, flagSegments } from '../../schema/flags.js';
import { servedToEveryone } from '../../stale.js';
import { validateFlag, validateSegment } from '../../validate.js';
import { checkVersion } from '../flag-store.js';
import { assertNoDependents, assertSegmentUnused } from '../references.js';
import type { Definitions, EnvironmentRow } from './environment.js';

/** One write transaction on one (locked) environment: its definitions and what changed so far. */
export interface WriteContext extends Definitions {
  tx: Tx;
  tenantId: string;
  environment: EnvironmentRow;
  actor: string;
  now: Date;
  /** Set while a change request is applied, so the history links to it. */
  changeRequestId?: string;
  changed: {
    flags: Set<string>;
    segments: Set<string>;
    deletedFlags: Set<string>;
    deletedSegments: Set<string>;
  };
}

export interface MutationOptions {
  expectedVersion?: number;
}

/** Validates and stores a flag in the environment; returns it with its new version. */
export async function putFlag(
  ctx: WriteContext,
  input: unknown,
  options: MutationOptions = {},
): Promise<Flag> {
  const result = validateFlag(input, ctx);
  if (!result.ok) throw problems.validation(result.issues);
  const previous = ctx.flags.get(result.value.key);
  checkVersion(previous?.version, options, `flag '${result.value.key}'`);
  const flagId = await projectFlagId(ctx, result.value);
  const version = (previous?.version ?? 0) + 1;
  const flag: Flag = { ...result.value, version };
  const served = servedToEveryone(flag);
  const [before] = previous
    ? await ctx.tx
        .select({ uniformSince: flagConfigs.uniformSince })
        .from(flagConfigs)
        .where(and(eq(flagConfigs.environmentId, ctx.environment.id), eq(flagConfigs.key, flag.key)))
    : [];
  // The "fully rolled out since" clock keeps running only while the same variation is served to all.
  const uniformSince =
    served === undefined
      ? null
      : previous && servedToEveryone(previous) === served
        ? (before?.uniformSince ?? ctx.now)
        : ctx.now;
  await ctx.tx
    .insert(flagConfigs)
    .values({
      tenantId: ctx.tenantId,
      environmentId: ctx.environment.id,
      flagId,
      key: flag.key,
      definition: flag,
      version,
      uniformSince,
      updatedAt: ctx.now,
    })
    .onConflictDoUpdate({
      target: [flagConfigs.environmentId, flagConfigs.key],
      set: { definition: flag, version, uniformSince, updatedAt: ctx.now },
    });
  await record(ctx, 'flag', flag.key, previous ? 'update' : 'create', version, previous, flag);
  ctx.flags.set(flag.key, flag);
  ctx.changed.flags.add(flag.key);
  ctx.changed.deletedFlags.delete(flag.key);
  return flag;
}

export async function deleteFlag(
  ctx: WriteContext,
  key: string,
  options: MutationOptions = {},
): Promise<void> {
  const previous = ctx.flags.get(key);
  if (!previous) throw problems.notFound(`flag '${key}' not found`);
  checkVersion(previous.version, options, `flag '${key}'`);
  assertNoDependents(ctx.flags.values(), key);
  await ctx.tx
    .delete(flagConfigs)
    .where(and(eq(flagConfigs.environmentId, ctx.environment.id), eq(flagConfigs.key, key)));
  // The project's flag (its key and type) goes with its last environment configuration.
  await ctx.tx
    .delete(flagDefinitions)
    .where(
      and(
        eq(flagDefinitions.projectId, ctx.environment.projectId),
        eq(flagDefinitions.key, key),
        sql`NOT EXISTS (SELECT 1 FROM flag_configs c WHERE c.flag_id = ${flagDefinitions.id})`,
      ),
    );
  await record(ctx, 'flag', key, 'delete', previous.version ?? 0, previous, undefined);
  ctx.flags.delete(key);
  ctx.changed.flags.delete(key);
  ctx.changed.deletedFlags.add(key);
}

export async function putSegment(
  ctx: WriteContext,
  input: unknown,
  options: MutationOptions = {},
): Promise<Segment> {
  const result = validateSegment(input, ctx);
  if (!result.ok) throw problems.validation(result.issues);
  const previous = ctx.segments.get(result.value.key);
  checkVersion(previous?.version, options, `segment '${result.value.key}'`);
  const version = (previous?.version ?? 0) + 1;
  const segment: Segment = { ...result.value, version };
  await ctx.tx
    .insert(flagSegments)
    .values({
      tenantId: ctx.tenantId,
      environmentId: ctx.environment.id,
      key: segment.key,
      definition: segment,
      version,
      updatedAt: ctx.now,
    })
    .onConflictDoUpdate({
      target: [flagSegments.environmentId, flagSegments.key],
      set: { definition: segment, version, updatedAt: ctx.now },
    });
  await record(ctx, 'segment', segment.key, previous ? 'update' : 'create', version, previous, segment);
  ctx.segments.set(segment.key, segment);
  ctx.changed.segments.add(segment.key);
  ctx.changed.deletedSegments.delete(segment.key);
  return segment;
}

export async function deleteSegment(
  ctx: WriteContext,
  key: string,
  options: MutationOptions = {},
): Promise<void> {
  const previous = ctx.segments.get(key);
  if (!previous) throw problems.notFound(`segment '${key}' not found`);
  checkVersion(previous.version, options, `segment '${key}'`);
  assertSegmentUnused(ctx.flags.values(), key);
  await ctx.tx
    .delete(flagSegments)
    .where(and(eq(flagSegments.environmentId, ctx.environment.id), eq(flagSegments.key, key)));
  await record(ctx, 'segment', key, 'delete', previous.version ?? 0, previous, undefined);
  ctx.segments.delete(key);
  ctx.changed.segments.delete(key);
  ctx.changed.deletedSegments.add(key);
}

/**
 * The project-level flag row (key and type, shared by every environment), created on first use.
 * A key keeps its type across environments, so code reading it gets the same type everywhere.
 */
async function projectFlagId(ctx: WriteContext, flag: Flag): Promise<string> {
  const [existing] = await ctx.tx
    .select({ id: flagDefinitions.id, type: flagDefinitions.type })
    .from(flagDefinitions)
    .where(and(eq(flagDefinitions.projectId, ctx.environment.projectId), eq(flagDefinitions.key, flag.key)));
  if (existing) {
    if (existing.type !== flag.type)
      throw problems.validation([
        {
          path: '/type',
          message: `flag '${flag.key}' is a ${existing.type} flag in this project, not ${flag.type}`,
        },
      ]);
    return existing.id;
  }
  const id = newId();
  await ctx.tx.insert(flagDefinitions).values({
    id,
    tenantId: ctx.tenantId,
    projectId: ctx.environment.projectId,
    key: flag.key,
    type: flag.type,
  });
  return id;
}

/** A history entry: who changed what when, with the JSON Patch (RFC 6902) from before to after. */
async function record(
  ctx: WriteContext,
  subject: 'flag' | 'segment',
  key: string,
  action: 'create' | 'update' | 'delete',
  version: number,
  before: object | undefined,
  after: object | undefined,
): Promise<void> {
  await ctx.tx.insert(flagHistory).values({
    id: newId(),
    tenantId: ctx.tenantId,
    environmentId: ctx.environment.id,
    subject,
    key,
    action,
    version,
    actor: ctx.actor,
    changeRequestId: ctx.changeRequestId ?? null,
    diff: fastJsonPatch.compare(withoutVersion(before), withoutVersion(after)),
    at: ctx.now,
  });
}

/** The version is bookkeeping, not content: leave it out of diffs. */
function withoutVersion(definition: object | undefined): object {
  if (!definition) return {};
  const { version: _version, ...rest } = definition as { version?: number };
  return rest;
}
