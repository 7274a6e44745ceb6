import { tenantIdColumn, tenants } from '@parley/db';
import {
  bigint,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import type { Flag } from '../model/flag.js';
import type { Segment } from '../model/segment.js';

// Tenant-owned tables: FORCE row-level security on tenant_id through parley_enable_tenant_rls
// (custom migration flags_security); flag_due_work is the one exception, see there.
const at = (name: string) => timestamp(name, { withTimezone: true });

/** A product or service whose flags are managed together. */
export const flagProjects = pgTable(
  'flag_projects',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantIdColumn(),
    key: text('key').notNull(),
    name: text('name').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (table) => [uniqueIndex('flag_projects_key_unique').on(table.tenantId, table.key)],
);

/**
 * An environment of a project (development, production, ...): one ruleset, one version counter.
 * A protected environment changes only through change requests with `requiredApprovals` approvals.
 */
export const flagEnvironments = pgTable(
  'flag_environments',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantIdColumn(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => flagProjects.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    name: text('name').notNull(),
    protected: boolean('protected').notNull().default(false),
    requiredApprovals: integer('required_approvals').notNull().default(1),
    /** Ruleset version: bumped by every change in the environment (the SDKs' ETag). */
    version: bigint('version', { mode: 'number' }).notNull().default(0),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (table) => [uniqueIndex('flag_environments_key_unique').on(table.projectId, table.key)],
);

/** A flag of a project: its identity and type, shared by the environments. */
export const flagDefinitions = pgTable(
  'flags',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantIdColumn(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => flagProjects.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    type: text('type', { enum: ['boolean', 'string', 'number', 'json'] }).notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
  },
  (table) => [uniqueIndex('flags_key_unique').on(table.projectId, table.key)],
);

/** A flag's configuration in one environment: the whole evaluable definition, versioned. */
export const flagConfigs = pgTable(
  'flag_configs',
  {
    tenantId: tenantIdColumn(),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => flagEnvironments.id, { onDelete: 'cascade' }),
    flagId: uuid('flag_id')
      .notNull()
      .references(() => flagDefinitions.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    definition: jsonb('definition').$type<Flag>().notNull(),
    version: integer('version').notNull(),
    /** Since when the flag serves one variation to everyone (null: it does not), for the stale report. */
    uniformSince: at('uniform_since'),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.environmentId, table.key] })],
);

/** Segments are per environment, like the rulesets that carry them. */
export const flagSegments = pgTable(
  'flag_segments',
  {
    tenantId: tenantIdColumn(),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => flagEnvironments.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    definition: jsonb('definition').$type<Segment>().notNull(),
    version: integer('version').notNull(),
    updatedAt: at('updated_at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.environmentId, table.key] })],
);

/** SDK keys: only the SHA-256 of the key is stored; the key is shown once at creation. */
export const flagSdkKeys = pgTable(
  'flag_sdk_keys',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantIdColumn(),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => flagEnvironments.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['server', 'client'] }).notNull(),
    name: text('name').notNull(),
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    revokedAt: at('revoked_at'),
  },
  (table) => [
    uniqueIndex('flag_sdk_keys_hash_unique').on(table.keyHash),
    index('flag_sdk_keys_environment_idx').on(table.environmentId),
  ],
);

/** Every change of a flag or segment: who, when, and the JSON Patch (RFC 6902) from before to after. */
export const flagHistory = pgTable(
  'flag_history',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantIdColumn(),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => flagEnvironments.id, { onDelete: 'cascade' }),
    subject: text('subject', { enum: ['flag', 'segment'] }).notNull(),
    key: text('key').notNull(),
    action: text('action', { enum: ['create', 'update', 'delete'] }).notNull(),
    /** Version after the change (the deleted version for a delete). */
    version: integer('version').notNull(),
    actor: text('actor').notNull(),
    changeRequestId: uuid('change_request_id'),
    diff: jsonb('diff').notNull(),
    at: at('at').notNull().defaultNow(),
  },
  (table) => [index('flag_history_subject_idx').on(table.environmentId, table.subject, table.key, table.at)],
);

/**
 * A proposed change to a protected environment. `revision` grows with every edit; an approval
 * counts only for the revision it approved, so editing a change request invalidates its approvals.
 */
export const flagChangeRequests = pgTable(
  'flag_change_requests',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantIdColumn(),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => flagEnvironments.id, { onDelete: 'cascade' }),
    subject: text('subject', { enum: ['flag', 'segment'] }).notNull(),
    key: text('key').notNull(),
    operation: text('operation', { enum: ['put', 'delete'] }).notNull(),
    definition: jsonb('definition'),
    /** The subject's version the change was written against (0: it did not exist). */
    baseVersion: integer('base_version').notNull(),
    applyAt: at('apply_at'),
    status: text('status', { enum: ['open', 'scheduled', 'applied', 'failed', 'cancelled'] })
      .notNull()
      .default('open'),
    statusDetail: text('status_detail'),
    revision: integer('revision').notNull().default(1),
    author: text('author').notNull(),
    createdAt: at('created_at').notNull().defaultNow(),
    updatedAt: at('updated_at').notNull().defaultNow(),
    appliedAt: at('applied_at'),
  },
  (table) => [index('flag_change_requests_environment_idx').on(table.environmentId, table.status)],
);

export const flagApprovals = pgTable(
  'flag_approvals',
  {
    tenantId: tenantIdColumn(),
    changeRequestId: uuid('change_request_id')
      .notNull()
      .references(() => flagChangeRequests.id, { onDelete: 'cascade' }),
    approver: text('approver').notNull(),
    revision: integer('revision').notNull(),
    at: at('at').notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.changeRequestId, table.approver, table.revision] })],
);

/** Evaluation counts per flag and environment (from SDK and OFREP batches), for the stale report. */
export const flagEvaluations = pgTable(
  'flag_evaluations',
  {
    tenantId: tenantIdColumn(),
    environmentId: uuid('environment_id')
      .notNull()
      .references(() => flagEnvironments.id, { onDelete: 'cascade' }),
    key: text('key').notNull(),
    evaluations: bigint('evaluations', { mode: 'number' }).notNull(),
    lastEvaluatedAt: at('last_evaluated_at').notNull(),
  },
  (table) => [primaryKey({ columns: [table.environmentId, table.key] })],
);

/**
 * Time-based work across tenants (scheduled flag changes, scheduled change requests): when the
 * next one of an environment is due. The scheduler must find it without knowing the tenant, so
 * this table has row-level security ENABLED but not FORCED: parley_app (every request) sees only
 * its tenant's rows, while the scheduler reads all of them as the owner. It holds ids and a time,
 * never a definition; the work itself runs inside withTenant.
 */
export const flagDueWork = pgTable(
  'flag_due_work',
  {
    environmentId: uuid('environment_id')
      .primaryKey()
      .references(() => flagEnvironments.id, { onDelete: 'cascade' }),
    tenantId: uuid('tenant_id')
      .notNull()
      .references(() => tenants.id, { onDelete: 'cascade' }),
    dueAt: at('due_at').notNull(),
  },
  (table) => [index('flag_due_work_due_idx').on(table.dueAt)],
);
