import { tenantIdColumn } from '@parley/db';
import { type SQL, sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  boolean,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';

/** A PostgreSQL full-text document; only ever generated from other columns, never written. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** English stemming ("regions" finds "region"); the two-argument form is immutable, so it can be generated. */
const searchable = (column: SQL) => sql`to_tsvector('english'::regconfig, ${column})`;

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

export const MESSAGE_ROLES = ['user', 'assistant', 'system'] as const;
export const MESSAGE_STATUSES = ['pending', 'complete', 'failed'] as const;

/**
 * One chat between a caller and the assistant. Its messages form a tree; `active_leaf_id` is the
 * last message of the branch the owner is looking at, so the active path is that leaf's ancestors.
 */
export const conversations = pgTable(
  'conversations',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantIdColumn(),
    /** The principal's subject (a user or service-account id): guests and analysts see only their own. */
    ownerId: uuid('owner_id').notNull(),
    title: text('title').notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull().default({}),
    archived: boolean('archived').notNull().default(false),
    /** No foreign key: messages reference conversations, and a cycle would complicate deletes. */
    activeLeafId: uuid('active_leaf_id'),
    createdAt: createdAt(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    search: tsvector('search').generatedAlwaysAs(() => searchable(sql`title`)),
  },
  (table) => [
    // The list endpoint's keyset: newest activity first within one owner.
    index('conversations_owner_updated').on(table.tenantId, table.ownerId, table.updatedAt, table.id),
    index('conversations_tenant_updated').on(table.tenantId, table.updatedAt, table.id),
    index('conversations_search').using('gin', table.search),
  ],
);

/**
 * A node of the conversation tree. Editing a user message adds a sibling user message (same
 * parent); regenerating an answer adds a sibling assistant message. Nothing is overwritten.
 */
export const messages = pgTable(
  'messages',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantIdColumn(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    parentId: uuid('parent_id').references((): AnyPgColumn => messages.id, { onDelete: 'cascade' }),
    role: text('role', { enum: MESSAGE_ROLES }).notNull(),
    content: text('content').notNull(),
    /** The intent the classifier routed the question to (on the assistant's answer). */
    intent: text('intent'),
    classifierVersion: text('classifier_version'),
    provider: text('provider'),
    model: text('model'),
    promptTokens: integer('prompt_tokens'),
    completionTokens: integer('completion_tokens'),
    latencyMs: integer('latency_ms'),
    status: text('status', { enum: MESSAGE_STATUSES }).notNull().default('complete'),
    /** Why a failed answer failed, in words fit for the user (never a stack trace). */
    error: text('error'),
    /** The structured part of an answer: confidence, table, Vega-Lite chart. */
    answer: jsonb('answer').$type<Record<string, unknown>>(),
    createdAt: createdAt(),
    search: tsvector('search').generatedAlwaysAs(() => searchable(sql`content`)),
  },
  (table) => [
    index('messages_conversation_created').on(table.conversationId, table.createdAt, table.id),
    index('messages_parent').on(table.parentId),
    index('messages_search').using('gin', table.search),
  ],
);

/** A file uploaded into a conversation; its bytes live in a FileStore under `storage_key`. */
export const attachments = pgTable(
  'attachments',
  {
    id: uuid('id').primaryKey(),
    tenantId: tenantIdColumn(),
    conversationId: uuid('conversation_id')
      .notNull()
      .references(() => conversations.id, { onDelete: 'cascade' }),
    /** Set when a message is posted with the attachment; null while only uploaded. */
    messageId: uuid('message_id').references(() => messages.id, { onDelete: 'set null' }),
    uploaderId: uuid('uploader_id').notNull(),
    filename: text('filename').notNull(),
    mediaType: text('media_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    sha256: text('sha256').notNull(),
    storageKey: text('storage_key').notNull(),
    createdAt: createdAt(),
  },
  (table) => [
    index('attachments_conversation').on(table.conversationId, table.createdAt),
    index('attachments_message').on(table.messageId),
  ],
);
