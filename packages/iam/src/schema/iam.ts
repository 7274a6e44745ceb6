import { tenantIdColumn } from '@parley/db';
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

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

/** A person who signs in with a password. Email is unique within a tenant, not across tenants. */
export const users = pgTable(
  'users',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantIdColumn(),
    email: text('email').notNull(),
    displayName: text('display_name').notNull().default(''),
    /** argon2id PHC string. */
    passwordHash: text('password_hash').notNull(),
    status: text('status', { enum: ['active', 'disabled'] })
      .notNull()
      .default('active'),
    /** Bumped to invalidate every token issued before; carried in the access token as `ep`. */
    tokenEpoch: integer('token_epoch').notNull().default(0),
    failedLogins: integer('failed_logins').notNull().default(0),
    lockedUntil: timestamp('locked_until', { withTimezone: true }),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('users_tenant_email_unique').on(table.tenantId, table.email)],
);

/** Built-in roles (admin, analyst, guest) exist in every tenant; custom roles are per tenant. */
export const roles = pgTable(
  'roles',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantIdColumn(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    builtin: boolean('builtin').notNull().default(false),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('roles_tenant_name_unique').on(table.tenantId, table.name)],
);

export const rolePermissions = pgTable(
  'role_permissions',
  {
    tenantId: tenantIdColumn(),
    roleId: uuid('role_id')
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
    permission: text('permission').notNull(),
  },
  (table) => [primaryKey({ columns: [table.roleId, table.permission] })],
);

export const userRoles = pgTable(
  'user_roles',
  {
    tenantId: tenantIdColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    roleId: uuid('role_id')
      .notNull()
      .references(() => roles.id, { onDelete: 'cascade' }),
  },
  (table) => [primaryKey({ columns: [table.userId, table.roleId] })],
);

/** A non-human caller; it authenticates with API keys. */
export const serviceAccounts = pgTable(
  'service_accounts',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantIdColumn(),
    name: text('name').notNull(),
    status: text('status', { enum: ['active', 'disabled'] })
      .notNull()
      .default('active'),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('service_accounts_tenant_name_unique').on(table.tenantId, table.name)],
);

/** API keys are shown once; only a SHA-256 of the key is stored (it has 256 bits of entropy). */
export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantIdColumn(),
    serviceAccountId: uuid('service_account_id')
      .notNull()
      .references(() => serviceAccounts.id, { onDelete: 'cascade' }),
    /** The first characters of the key, shown in listings so an operator recognises it. */
    prefix: text('prefix').notNull(),
    keyHash: text('key_hash').notNull().unique(),
    /** Role names the key acts with. */
    roles: text('roles').array().notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [index('api_keys_service_account_idx').on(table.serviceAccountId)],
);

/** Opaque refresh tokens, stored hashed. A family is one login's chain of rotations. */
export const refreshTokens = pgTable(
  'refresh_tokens',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantIdColumn(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    familyId: uuid('family_id').notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    rotatedAt: timestamp('rotated_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    index('refresh_tokens_family_idx').on(table.familyId),
    index('refresh_tokens_user_idx').on(table.userId),
  ],
);

/**
 * Access-token signing keys. Global (not tenant-owned): the verifier loads them before it knows
 * a tenant. The private key is PKCS#8 encrypted with AES-256-GCM under the master key.
 */
export const signingKeys = pgTable('signing_keys', {
  kid: text('kid').primaryKey(),
  alg: text('alg').notNull(),
  publicJwk: jsonb('public_jwk').notNull(),
  privateKeyEncrypted: text('private_key_encrypted').notNull(),
  status: text('status', { enum: ['active', 'retired', 'revoked'] }).notNull(),
  createdAt: createdAt(),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
});

/**
 * Append-only audit trail, one hash chain per tenant (`seq` 1, 2, …; each row carries the hash
 * of the row before it). Requests without a tenant go to the platform chain (the nil UUID), so
 * no foreign key to tenants.
 */
export const auditEvents = pgTable(
  'audit_events',
  {
    id: uuid('id').primaryKey(),
    tenantId: uuid('tenant_id').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
    time: timestamp('time', { withTimezone: true, precision: 3 }).notNull(),
    /** `request` for an HTTP request, `event` for a domain event. */
    kind: text('kind', { enum: ['request', 'event'] }).notNull(),
    actor: text('actor').notNull(),
    action: text('action').notNull(),
    resource: text('resource'),
    decision: text('decision', { enum: ['allow', 'deny'] }).notNull(),
    status: integer('status'),
    route: text('route'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    latencyMs: integer('latency_ms'),
    details: jsonb('details').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (table) => [
    uniqueIndex('audit_events_tenant_seq_unique').on(table.tenantId, table.seq),
    index('audit_events_tenant_time_idx').on(table.tenantId, table.time),
  ],
);
