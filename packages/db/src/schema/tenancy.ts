import { jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';

/** A tenant: the unit of isolation. Global table (no RLS): looked up before a tenant is known. */
export const tenants = pgTable('tenants', {
  id: uuid('id').primaryKey(),
  slug: text('slug').notNull().unique(),
  name: text('name').notNull(),
  status: text('status', { enum: ['active', 'suspended'] })
    .notNull()
    .default('active'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The `tenant_id` column of a tenant-owned table: the row-level security policy's key, removed
 * with its tenant. Every package's tenant-owned tables use this one definition.
 */
export const tenantIdColumn = () =>
  uuid('tenant_id')
    .notNull()
    .references(() => tenants.id, { onDelete: 'cascade' });

/** Per-tenant settings (limits, preferences). Tenant-owned: FORCE row-level security. */
export const tenantSettings = pgTable(
  'tenant_settings',
  {
    tenantId: tenantIdColumn(),
    key: text('key').notNull(),
    value: jsonb('value').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [primaryKey({ columns: [table.tenantId, table.key] })],
);
