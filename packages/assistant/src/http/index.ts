import type { FastifyInstance } from 'fastify';
import type { ConversationService } from '../conversations/service.js';
import { attachmentRoutes } from './attachment-routes.js';
import { conversationRoutes } from './conversation-routes.js';

export { attachmentRoutes } from './attachment-routes.js';
export { conversationRoutes } from './conversation-routes.js';
export { openAIError, openAIRoutes } from './openai-routes.js';
export { PARLEY_MODEL } from './openai-schemas.js';
export { taskRoutes } from './task-routes.js';

/** Every conversation route (messages, search, attachments); mount behind the IAM access control. */
export function conversationPlugin(service: ConversationService, options: { maxAttachmentBytes: number }) {
  return async function conversations(app: FastifyInstance): Promise<void> {
    await app.register(conversationRoutes(service));
    await app.register(attachmentRoutes(service, options.maxAttachmentBytes));
  };
}
