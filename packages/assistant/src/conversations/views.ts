import type { attachments, conversations, messages } from './schema.js';

export type MessageRole = (typeof messages.$inferSelect)['role'];
export type MessageStatus = (typeof messages.$inferSelect)['status'];

export interface ConversationView {
  id: string;
  ownerId: string;
  title: string;
  metadata: Record<string, unknown>;
  archived: boolean;
  /** The last message of the branch being shown; null while the conversation is empty. */
  activeLeafId: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface AttachmentView {
  id: string;
  conversationId: string;
  messageId: string | null;
  filename: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  createdAt: string;
}

export interface MessageView {
  id: string;
  conversationId: string;
  parentId: string | null;
  role: MessageRole;
  content: string;
  intent: string | null;
  classifierVersion: string | null;
  provider: string | null;
  model: string | null;
  promptTokens: number | null;
  completionTokens: number | null;
  latencyMs: number | null;
  status: MessageStatus;
  error: string | null;
  answer: Record<string, unknown> | null;
  createdAt: string;
  attachments: AttachmentView[];
  /** On the active path: this message's versions (itself and its siblings), oldest first. */
  siblingIds?: string[];
}

export function conversationView(row: typeof conversations.$inferSelect): ConversationView {
  return {
    id: row.id,
    ownerId: row.ownerId,
    title: row.title,
    metadata: row.metadata,
    archived: row.archived,
    activeLeafId: row.activeLeafId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function attachmentView(row: typeof attachments.$inferSelect): AttachmentView {
  return {
    id: row.id,
    conversationId: row.conversationId,
    messageId: row.messageId,
    filename: row.filename,
    mediaType: row.mediaType,
    sizeBytes: row.sizeBytes,
    sha256: row.sha256,
    createdAt: row.createdAt.toISOString(),
  };
}

export function messageView(row: typeof messages.$inferSelect, files: AttachmentView[] = []): MessageView {
  const { tenantId: _tenant, search: _search, createdAt, ...rest } = row;
  return { ...rest, createdAt: createdAt.toISOString(), attachments: files };
}
