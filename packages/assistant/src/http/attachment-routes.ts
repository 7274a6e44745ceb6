import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ProblemError, problems } from '@parley/kit';
import { create as contentDisposition } from 'content-disposition';
import { Type } from 'typebox';
import type { ConversationService } from '../conversations/service.js';
import { auditAccess, callerOf } from './caller.js';
import { Attachment, AttachmentParams, ConversationParams } from './conversation-schemas.js';

const tags = ['conversations'];

/** @fastify/multipart's own errors, as the problems they are. */
function multipartProblem(error: unknown): unknown {
  const code = (error as { code?: string }).code;
  switch (code) {
    case 'FST_INVALID_MULTIPART_CONTENT_TYPE':
      return problems.unsupportedMediaType('Upload the file as multipart/form-data');
    case 'FST_REQ_FILE_TOO_LARGE':
    case 'FST_FILES_LIMIT':
    case 'FST_PARTS_LIMIT':
    case 'FST_FIELDS_LIMIT':
      return problems.payloadTooLarge('Send exactly one file part, within the size limit');
    default:
      // busboy's parse errors ("Unexpected end of form", "Malformed part header") are the client's.
      return error instanceof ProblemError || !(error instanceof Error)
        ? error
        : problems.badRequest(`The multipart body is malformed: ${error.message}`);
  }
}

/**
 * Files in conversations: upload (multipart, one file part, size and media-type limits, SHA-256),
 * listing and download with the conversation's own permission checks.
 */
export function attachmentRoutes(service: ConversationService, maxBytes: number): FastifyPluginAsyncTypebox {
  return async (app) => {
    // Encapsulated here: only these routes accept multipart bodies.
    await app.register(multipart, {
      // One byte over the limit, so the inspector sees the excess and refuses with 413.
      limits: { fileSize: maxBytes + 1, files: 1, fields: 0, parts: 1, headerPairs: 20 },
      throwFileSizeLimit: false,
    });

    app.post(
      '/v1/conversations/:id/attachments',
      {
        config: { permission: 'conversations:write' },
        schema: {
          tags,
          summary: 'Upload a file to a conversation (multipart/form-data, one file part)',
          consumes: ['multipart/form-data'],
          params: ConversationParams,
          response: { 201: Attachment },
        },
      },
      async (request, reply) => {
        try {
          const parts = request.files();
          const first = await parts.next();
          if (first.done) throw problems.badRequest('The multipart body has no file part');
          const part = first.value;
          const attachment = await service.upload(callerOf(request), request.params.id, {
            filename: part.filename,
            mediaType: part.mimetype,
            content: part.file,
            // A second part fails the `files`/`parts` limit here, before the attachment is recorded.
            rest: async () => {
              if (!(await parts.next()).done) throw problems.payloadTooLarge('Send exactly one file part');
            },
          });
          return reply.code(201).send(attachment);
        } catch (error) {
          throw multipartProblem(error);
        }
      },
    );

    app.get(
      '/v1/conversations/:id/attachments',
      {
        config: { permission: 'conversations:read' },
        schema: {
          tags,
          summary: "A conversation's attachments",
          params: ConversationParams,
          response: { 200: Type.Object({ attachments: Type.Array(Attachment) }) },
        },
      },
      async (request) => {
        const caller = callerOf(request);
        const found = await service.listAttachments(caller, request.params.id);
        auditAccess(request, found.access, found.ownerId);
        return { attachments: found.attachments };
      },
    );

    app.get(
      '/v1/conversations/:id/attachments/:attachmentId',
      {
        config: { permission: 'conversations:read' },
        schema: { tags, summary: "Download an attachment's bytes", params: AttachmentParams },
      },
      async (request, reply) => {
        const found = await service.download(
          callerOf(request),
          request.params.id,
          request.params.attachmentId,
        );
        auditAccess(request, found.access, found.ownerId);
        const { attachment } = found;
        return (
          reply
            .type(attachment.mediaType)
            .header('content-length', attachment.sizeBytes)
            // Never rendered inline as a page of this origin, whatever its type says.
            .header('content-disposition', contentDisposition(attachment.filename))
            .header('x-content-type-options', 'nosniff')
            .header('content-security-policy', "default-src 'none'; sandbox")
            .header('etag', `"${attachment.sha256}"`)
            .header('cache-control', 'private, no-cache')
            .send(found.content)
        );
      },
    );
  };
}
