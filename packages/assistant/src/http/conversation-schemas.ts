import { Type } from 'typebox';
import { MAX_MESSAGE_CHARS, MAX_TITLE_CHARS } from '../conversations/input.js';

/** HTTP shapes of conversations, messages and attachments (OpenAPI, validation, serialisation). */

const Uuid = Type.String({ format: 'uuid' });
const Timestamp = Type.String({ format: 'date-time' });
const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);

export const Metadata = Type.Record(Type.String({ maxLength: 64 }), Type.Unknown(), { maxProperties: 32 });

export const Attachment = Type.Object({
  id: Uuid,
  conversationId: Uuid,
  messageId: Nullable(Uuid),
  filename: Type.String(),
  mediaType: Type.String(),
  sizeBytes: Type.Integer(),
  sha256: Type.String({ description: 'SHA-256 of the bytes, hex' }),
  createdAt: Timestamp,
});

export const Conversation = Type.Object({
  id: Uuid,
  ownerId: Uuid,
  title: Type.String(),
  metadata: Type.Unknown(),
  archived: Type.Boolean(),
  activeLeafId: Nullable(Uuid),
  createdAt: Timestamp,
  updatedAt: Timestamp,
});

export const Message = Type.Object({
  id: Uuid,
  conversationId: Uuid,
  parentId: Nullable(Uuid),
  role: Type.Union([Type.Literal('user'), Type.Literal('assistant'), Type.Literal('system')]),
  content: Type.String(),
  intent: Nullable(Type.String()),
  classifierVersion: Nullable(Type.String()),
  provider: Nullable(Type.String()),
  model: Nullable(Type.String()),
  promptTokens: Nullable(Type.Integer()),
  completionTokens: Nullable(Type.Integer()),
  latencyMs: Nullable(Type.Integer()),
  status: Type.Union([Type.Literal('pending'), Type.Literal('complete'), Type.Literal('failed')]),
  error: Nullable(Type.String()),
  answer: Type.Unknown({
    description: 'confidence, table and Vega-Lite chart of an answer; null on questions',
  }),
  createdAt: Timestamp,
  attachments: Type.Array(Attachment),
  siblingIds: Type.Optional(
    Type.Array(Uuid, { description: "On the active path: this message's versions, oldest first" }),
  ),
});

export const Exchange = Type.Object({
  conversation: Conversation,
  question: Nullable(Message),
  answer: Message,
  task: Type.Optional(
    Type.Object(
      { id: Uuid, kind: Type.Literal('report') },
      { description: 'The task completing the answer (202): follow it at /v1/tasks/{id}/events' },
    ),
  ),
});

export const ConversationWithMessages = Type.Object({
  conversation: Conversation,
  messages: Type.Array(Message),
});

export const MessageContent = Type.String({ minLength: 1, maxLength: MAX_MESSAGE_CHARS });
export const Title = Type.String({ minLength: 1, maxLength: MAX_TITLE_CHARS });
export const AttachmentIds = Type.Array(Uuid, { maxItems: 10, uniqueItems: true });

export const ConversationParams = Type.Object({ id: Uuid });
export const MessageParams = Type.Object({ id: Uuid, messageId: Uuid });
export const AttachmentParams = Type.Object({ id: Uuid, attachmentId: Uuid });
