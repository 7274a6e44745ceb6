import { type Db, queryRows, type Tx, withTenant } from '@parley/db';
import { problems } from '@parley/kit';
import { and, asc, desc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { Narration } from '../llm/provider.js';
import type { NarrationTaskData } from '../tasks/narration-tasks.js';
import { attachments, conversations, messages } from './schema.js';
import type { TreeNode } from './tree.js';
import {
  type AttachmentView,
  attachmentView,
  type ConversationView,
  conversationView,
  type MessageView,
  messageView,
} from './views.js';

export interface Keyset {
  updatedAt: Date;
  id: string;
}

export interface ListQuery {
  /** Only this owner's conversations; every owner's when undefined. */
  ownerId?: string;
  archived: boolean;
  limit: number;
  /** The last conversation of the previous page. */
  after?: Keyset;
}

export interface NewMessage {
  id: string;
  role: 'user' | 'assistant' | 'system';
  content: string;
  status: 'pending' | 'complete' | 'failed';
}

export interface Exchange {
  conversationId: string;
  /** The message the new ones follow; null starts a new root branch. */
  parentId: string | null;
  /** The user's question; absent when an answer is regenerated under an existing question. */
  question?: NewMessage;
  /** The pending answer, child of the question (or of parentId when regenerating). */
  answerId: string;
  /** Uploaded, not yet linked attachments of the caller to link to the question. */
  attachmentIds: readonly string[];
  uploaderId: string;
  now: Date;
}

export interface AnswerOutcome {
  status: 'complete' | 'failed' | 'pending';
  content: string;
  intent?: string | null;
  classifierVersion?: string | null;
  provider?: string | null;
  model?: string | null;
  promptTokens?: number | null;
  completionTokens?: number | null;
  latencyMs: number;
  error?: string | null;
  answer?: Record<string, unknown> | null;
}

export interface SearchHit {
  conversation: ConversationView;
  rank: number;
  /** The best-matching message, when the match is in a message rather than the title. */
  messageId: string | null;
  /** A fragment of the matching text with the matched words between `**`. */
  snippet: string;
}

/**
 * Conversations, messages and attachments in PostgreSQL. Every call runs in `withTenant`, so
 * row-level security confines it to the tenant even where a query names no tenant. Who may see
 * what inside the tenant is the service's decision, not the store's.
 */
export class ConversationStore {
  constructor(private readonly db: Db) {}

  private inTenant<T>(tenantId: string, work: (tx: Tx) => Promise<T>): Promise<T> {
    return withTenant(this.db, tenantId, work);
  }

  async createConversation(
    tenantId: string,
    fields: { id: string; ownerId: string; title: string; metadata: Record<string, unknown>; now: Date },
  ): Promise<ConversationView> {
    const { now, ...rest } = fields;
    return this.inTenant(tenantId, async (tx) => {
      const [row] = await tx
        .insert(conversations)
        .values({ ...rest, tenantId, createdAt: now, updatedAt: now })
        .returning();
      return conversationView(row!);
    });
  }

  async findConversation(tenantId: string, id: string): Promise<ConversationView | undefined> {
    return this.inTenant(tenantId, async (tx) => {
      const [row] = await tx.select().from(conversations).where(eq(conversations.id, id));
      return row && conversationView(row);
    });
  }

  /** Newest activity first, keyset-paginated on (updated_at, id). */
  async listConversations(tenantId: string, query: ListQuery): Promise<ConversationView[]> {
    const { ownerId, archived, limit, after } = query;
    return this.inTenant(tenantId, async (tx) => {
      const rows = await tx
        .select()
        .from(conversations)
        .where(
          and(
            ownerId === undefined ? undefined : eq(conversations.ownerId, ownerId),
            eq(conversations.archived, archived),
            after &&
              or(
                lt(conversations.updatedAt, after.updatedAt),
                and(eq(conversations.updatedAt, after.updatedAt), lt(conversations.id, after.id)),
              ),
          ),
        )
        .orderBy(desc(conversations.updatedAt), desc(conversations.id))
        .limit(limit);
      return rows.map(conversationView);
    });
  }

  async updateConversation(
    tenantId: string,
    id: string,
    patch: { title?: string; archived?: boolean; metadata?: Record<string, unknown> },
    now: Date,
  ): Promise<ConversationView | undefined> {
    return this.inTenant(tenantId, async (tx) => {
      const [row] = await tx
        .update(conversations)
        .set({ ...patch, updatedAt: now })
        .where(eq(conversations.id, id))
        .returning();
      return row && conversationView(row);
    });
  }

  async setActiveLeaf(tenantId: string, conversationId: string, leafId: string): Promise<void> {
    await this.inTenant(tenantId, (tx) =>
      tx.update(conversations).set({ activeLeafId: leafId }).where(eq(conversations.id, conversationId)),
    );
  }

  /** The shape of the whole tree, without message bodies. */
  async treeNodes(tenantId: string, conversationId: string): Promise<TreeNode[]> {
    return this.inTenant(tenantId, async (tx) => {
      const rows = await tx
        .select({ id: messages.id, parentId: messages.parentId, createdAt: messages.createdAt })
        .from(messages)
        .where(eq(messages.conversationId, conversationId));
      return rows.map((row) => ({ ...row, createdAt: row.createdAt.getTime() }));
    });
  }

  /** Messages with their attachments, oldest first: the given ones, or all of the conversation. */
  async messages(tenantId: string, conversationId: string, ids?: readonly string[]): Promise<MessageView[]> {
    if (ids?.length === 0) return [];
    return this.inTenant(tenantId, async (tx) => {
      const rows = await tx
        .select()
        .from(messages)
        .where(
          and(eq(messages.conversationId, conversationId), ids ? inArray(messages.id, [...ids]) : undefined),
        )
        .orderBy(asc(messages.createdAt), asc(messages.id));
      const files = await tx
        .select()
        .from(attachments)
        .where(
          and(
            eq(attachments.conversationId, conversationId),
            inArray(
              attachments.messageId,
              rows.map((row) => row.id),
            ),
          ),
        )
        .orderBy(asc(attachments.createdAt));
      const filesOf = new Map<string, AttachmentView[]>();
      for (const file of files) {
        const list = filesOf.get(file.messageId!) ?? [];
        list.push(attachmentView(file));
        filesOf.set(file.messageId!, list);
      }
      return rows.map((row) => messageView(row, filesOf.get(row.id)));
    });
  }

  /**
   * Adds a question (optional) and its pending answer in one transaction, links the question's
   * attachments and makes the answer the active leaf, so a reader never sees half an exchange.
   */
  async appendExchange(tenantId: string, exchange: Exchange): Promise<void> {
    const { conversationId, parentId, question, answerId, attachmentIds, uploaderId, now } = exchange;
    await this.inTenant(tenantId, async (tx) => {
      if (question) {
        await tx.insert(messages).values({ ...question, tenantId, conversationId, parentId, createdAt: now });
      }
      // The answer is one millisecond younger, so it sorts after its question in every listing.
      await tx.insert(messages).values({
        id: answerId,
        tenantId,
        conversationId,
        parentId: question ? question.id : parentId,
        role: 'assistant',
        content: '',
        status: 'pending',
        createdAt: new Date(now.getTime() + 1),
      });
      if (question && attachmentIds.length > 0) {
        const linked = await tx
          .update(attachments)
          .set({ messageId: question.id })
          .where(
            and(
              inArray(attachments.id, [...attachmentIds]),
              eq(attachments.conversationId, conversationId),
              eq(attachments.uploaderId, uploaderId),
              isNull(attachments.messageId),
            ),
          )
          .returning({ id: attachments.id });
        if (linked.length !== new Set(attachmentIds).size)
          throw problems.badRequest(
            'Each attachment must be one you uploaded to this conversation and not yet sent with a message',
          );
      }
      await tx
        .update(conversations)
        .set({ activeLeafId: answerId, updatedAt: now })
        .where(eq(conversations.id, conversationId));
    });
  }

  async finishAnswer(tenantId: string, messageId: string, outcome: AnswerOutcome): Promise<void> {
    await this.inTenant(tenantId, (tx) => tx.update(messages).set(outcome).where(eq(messages.id, messageId)));
  }

  /**
   * A narration from the llm queue is in: the answer it was queued for gets its text and author
   * and is complete. (Narrations queued for no answer have nothing to write.)
   */
  async completeNarration({ tenantId, target }: NarrationTaskData, narration: Narration): Promise<void> {
    if (!target) return;
    await this.inTenant(tenantId, (tx) =>
      tx
        .update(messages)
        .set({
          status: 'complete',
          content: `${narration.label}\n\n${narration.text}`,
          provider: narration.provider,
          model: narration.model,
          promptTokens: narration.tokens?.prompt ?? null,
          completionTokens: narration.tokens?.completion ?? null,
        })
        .where(eq(messages.id, target.messageId)),
    );
  }

  /** A narration that failed for good or was cancelled: its answer keeps the built-in text and is complete. */
  async settleNarration({ tenantId, target }: NarrationTaskData, taskId: string): Promise<void> {
    if (!target) return;
    await this.settlePending(tenantId, target.messageId, {
      status: 'complete',
      patch: {
        narration: { taskId, skipped: 'the narration did not finish; the built-in analyst answered' },
      },
    });
  }

  /**
   * A report is in: its files become attachments of the answer, which gets its text and is
   * complete, in one transaction (the `report` object is merged into the answer's JSON).
   */
  async completeReport(
    tenantId: string,
    report: {
      conversationId: string;
      messageId: string;
      uploaderId: string;
      files: {
        id: string;
        filename: string;
        mediaType: string;
        sizeBytes: number;
        sha256: string;
        storageKey: string;
      }[];
      content: string;
      report: Record<string, unknown>;
      now: Date;
    },
  ): Promise<void> {
    const { conversationId, messageId, uploaderId, now } = report;
    await this.inTenant(tenantId, async (tx) => {
      await tx.insert(attachments).values(
        report.files.map((file) => ({
          ...file,
          tenantId,
          conversationId,
          messageId,
          uploaderId,
          createdAt: now,
        })),
      );
      await tx
        .update(messages)
        .set({
          status: 'complete',
          content: report.content,
          answer: sql`coalesce(${messages.answer}, '{}'::jsonb) || ${JSON.stringify({ report: report.report })}::jsonb`,
        })
        .where(eq(messages.id, messageId));
    });
  }

  /**
   * Ends an answer still pending on a task that will not deliver (failed for good, cancelled):
   * `patch` is merged into the answer's JSON. An answer no longer pending is left alone.
   */
  async settlePending(
    tenantId: string,
    messageId: string,
    outcome: { status: 'complete' | 'failed'; error?: string; patch?: Record<string, unknown> },
  ): Promise<void> {
    await this.inTenant(tenantId, (tx) =>
      tx
        .update(messages)
        .set({
          status: outcome.status,
          ...(outcome.error !== undefined ? { error: outcome.error } : {}),
          ...(outcome.patch
            ? {
                answer: sql`coalesce(${messages.answer}, '{}'::jsonb) || ${JSON.stringify(outcome.patch)}::jsonb`,
              }
            : {}),
        })
        .where(and(eq(messages.id, messageId), eq(messages.status, 'pending'))),
    );
  }

  /** Full-text search (PostgreSQL FTS, English stemming) over one owner's titles and messages. */
  async search(tenantId: string, ownerId: string, text: string, limit: number): Promise<SearchHit[]> {
    return this.inTenant(tenantId, async (tx) => {
      const rows = await queryRows<{
        id: string;
        rank: number;
        message_id: string | null;
        snippet: string;
      }>(
        tx,
        sql`
        SELECT c.id,
               greatest(ts_rank(c.search, q.query), coalesce(hit.rank, 0))::float8 AS rank,
               hit.id AS message_id,
               ts_headline('english', coalesce(hit.content, c.title), q.query,
                 'StartSel=**, StopSel=**, MaxWords=30, MinWords=10, MaxFragments=1') AS snippet
        FROM websearch_to_tsquery('english', ${text}) AS q(query)
        CROSS JOIN conversations c
        LEFT JOIN LATERAL (
          SELECT m.id, m.content, ts_rank(m.search, q.query) AS rank
          FROM messages m
          WHERE m.conversation_id = c.id AND m.search @@ q.query
          ORDER BY rank DESC, m.created_at DESC
          LIMIT 1
        ) hit ON true
        WHERE c.owner_id = ${ownerId} AND (c.search @@ q.query OR hit.id IS NOT NULL)
        ORDER BY rank DESC, c.updated_at DESC, c.id DESC
        LIMIT ${limit}`,
      );
      if (rows.length === 0) return [];
      const found = await tx
        .select()
        .from(conversations)
        .where(
          inArray(
            conversations.id,
            rows.map((row) => row.id),
          ),
        );
      const byId = new Map(found.map((row) => [row.id, conversationView(row)]));
      return rows.map((row) => ({
        conversation: byId.get(row.id)!,
        rank: Number(row.rank),
        messageId: row.message_id,
        snippet: row.snippet,
      }));
    });
  }

  async insertAttachment(
    tenantId: string,
    row: Omit<typeof attachments.$inferInsert, 'tenantId' | 'createdAt'> & { createdAt: Date },
  ): Promise<AttachmentView> {
    return this.inTenant(tenantId, async (tx) => {
      const [inserted] = await tx
        .insert(attachments)
        .values({ ...row, tenantId })
        .returning();
      return attachmentView(inserted!);
    });
  }

  async listAttachments(tenantId: string, conversationId: string): Promise<AttachmentView[]> {
    return this.inTenant(tenantId, async (tx) => {
      const rows = await tx
        .select()
        .from(attachments)
        .where(eq(attachments.conversationId, conversationId))
        .orderBy(asc(attachments.createdAt), asc(attachments.id));
      return rows.map(attachmentView);
    });
  }

  /** The attachment and where its bytes are, if it belongs to the conversation. */
  async findAttachment(
    tenantId: string,
    conversationId: string,
    id: string,
  ): Promise<{ view: AttachmentView; storageKey: string } | undefined> {
    return this.inTenant(tenantId, async (tx) => {
      const [row] = await tx
        .select()
        .from(attachments)
        .where(and(eq(attachments.id, id), eq(attachments.conversationId, conversationId)));
      return row && { view: attachmentView(row), storageKey: row.storageKey };
    });
  }
}
