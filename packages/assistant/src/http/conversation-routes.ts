import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply } from 'fastify';
import { Type } from 'typebox';
import type { ConversationService, ExchangeResult } from '../conversations/service.js';
import { auditAccess, auditAnswer, callerOf } from './caller.js';
import {
  AttachmentIds,
  Conversation,
  ConversationParams,
  ConversationWithMessages,
  Exchange,
  MessageContent,
  MessageParams,
  Metadata,
  Title,
} from './conversation-schemas.js';

const READ = { permission: 'conversations:read' } as const;

/** 201 for an answer that is in; 202 and the task's location while a task (a report) completes it. */
function accepted(reply: FastifyReply, exchange: ExchangeResult | null): FastifyReply {
  if (!exchange?.task) return reply.code(201);
  return reply.code(202).header('location', `/v1/tasks/${exchange.task.id}`);
}
const WRITE = { permission: 'conversations:write' } as const;
const tags = ['conversations'];

/**
 * Conversations and their message trees over HTTP. Each route states its permission; who owns
 * what is decided by the service, which answers 404 for conversations the caller may not see.
 */
export function conversationRoutes(service: ConversationService): FastifyPluginAsyncTypebox {
  return async (app) => {
    app.post(
      '/v1/conversations',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Start a conversation, optionally with its first question (answered at once)',
          body: Type.Object(
            {
              title: Type.Optional(Title),
              metadata: Type.Optional(Metadata),
              message: Type.Optional(MessageContent),
            },
            { additionalProperties: false },
          ),
          response: {
            201: Type.Object({ conversation: Conversation, exchange: Type.Union([Exchange, Type.Null()]) }),
            202: Type.Object({ conversation: Conversation, exchange: Exchange }),
          },
        },
      },
      async (request, reply) => {
        const created = await service.create(callerOf(request), request.body);
        if (created.exchange) auditAnswer(request, created.exchange.answer);
        return accepted(reply, created.exchange).send(created);
      },
    );

    app.get(
      '/v1/conversations',
      {
        config: READ,
        schema: {
          tags,
          summary: 'List conversations, newest activity first (cursor pagination)',
          querystring: Type.Object(
            {
              limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
              cursor: Type.Optional(Type.String({ maxLength: 200 })),
              archived: Type.Boolean({ default: false }),
              scope: Type.Union([Type.Literal('mine'), Type.Literal('tenant')], {
                default: 'mine',
                description: "`tenant`: every owner's (needs conversations:read_all)",
              }),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              conversations: Type.Array(Conversation),
              nextCursor: Type.Union([Type.String(), Type.Null()]),
            }),
          },
        },
      },
      async (request) => service.list(callerOf(request), request.query),
    );

    app.get(
      '/v1/conversations/search',
      {
        config: READ,
        schema: {
          tags,
          summary:
            "Full-text search over the caller's own conversations (titles and messages of every branch)",
          querystring: Type.Object(
            {
              q: Type.String({
                minLength: 1,
                maxLength: 500,
                description: 'web-search syntax: words, "phrases", -excluded, or',
              }),
              limit: Type.Integer({ minimum: 1, maximum: 50, default: 20 }),
            },
            { additionalProperties: false },
          ),
          response: {
            200: Type.Object({
              results: Type.Array(
                Type.Object({
                  conversation: Conversation,
                  rank: Type.Number(),
                  messageId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
                  snippet: Type.String({ description: 'matched words between **' }),
                }),
              ),
            }),
          },
        },
      },
      async (request) => ({
        results: await service.search(callerOf(request), request.query.q, request.query.limit),
      }),
    );

    app.get(
      '/v1/conversations/:id',
      {
        config: READ,
        schema: {
          tags,
          summary: 'A conversation with its active path (default) or its whole message tree',
          params: ConversationParams,
          querystring: Type.Object(
            { view: Type.Union([Type.Literal('path'), Type.Literal('tree')], { default: 'path' }) },
            { additionalProperties: false },
          ),
          response: { 200: ConversationWithMessages },
        },
      },
      async (request) => {
        const found = await service.get(callerOf(request), request.params.id, request.query.view);
        auditAccess(request, found.access, found.conversation.ownerId);
        return found;
      },
    );

    app.patch(
      '/v1/conversations/:id',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Rename, archive or unarchive a conversation, or replace its metadata',
          params: ConversationParams,
          body: Type.Object(
            {
              title: Type.Optional(Title),
              archived: Type.Optional(Type.Boolean()),
              metadata: Type.Optional(Metadata),
            },
            { additionalProperties: false, minProperties: 1 },
          ),
          response: { 200: Conversation },
        },
      },
      async (request) => service.update(callerOf(request), request.params.id, request.body),
    );

    app.post(
      '/v1/conversations/:id/messages',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Ask a question after the active leaf (or after parentId); the answer is stored with it',
          params: ConversationParams,
          body: Type.Object(
            {
              content: MessageContent,
              parentId: Type.Optional(Type.String({ format: 'uuid' })),
              attachmentIds: Type.Optional(AttachmentIds),
            },
            { additionalProperties: false },
          ),
          response: { 201: Exchange, 202: Exchange },
        },
      },
      async (request, reply) => {
        const exchange = await service.post(callerOf(request), request.params.id, request.body);
        auditAnswer(request, exchange.answer);
        return accepted(reply, exchange).send(exchange);
      },
    );

    app.post(
      '/v1/conversations/:id/messages/:messageId/edit',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Edit a question: adds a sibling version of it, answered afresh; the original stays',
          params: MessageParams,
          body: Type.Object(
            { content: MessageContent, attachmentIds: Type.Optional(AttachmentIds) },
            { additionalProperties: false },
          ),
          response: { 201: Exchange, 202: Exchange },
        },
      },
      async (request, reply) => {
        const { id, messageId } = request.params;
        const exchange = await service.edit(callerOf(request), id, messageId, request.body);
        auditAnswer(request, exchange.answer);
        return accepted(reply, exchange).send(exchange);
      },
    );

    app.post(
      '/v1/conversations/:id/messages/:messageId/regenerate',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Regenerate an answer: adds a sibling answer under the same question',
          params: MessageParams,
          response: { 201: Exchange, 202: Exchange },
        },
      },
      async (request, reply) => {
        const exchange = await service.regenerate(
          callerOf(request),
          request.params.id,
          request.params.messageId,
        );
        auditAnswer(request, exchange.answer);
        return accepted(reply, exchange).send(exchange);
      },
    );

    app.put(
      '/v1/conversations/:id/active-leaf',
      {
        config: WRITE,
        schema: {
          tags,
          summary: 'Switch branch: show the newest continuation of the given message version',
          params: ConversationParams,
          body: Type.Object({ messageId: Type.String({ format: 'uuid' }) }, { additionalProperties: false }),
          response: { 200: ConversationWithMessages },
        },
      },
      async (request) => service.switchBranch(callerOf(request), request.params.id, request.body.messageId),
    );
  };
}
