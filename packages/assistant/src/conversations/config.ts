import { env } from '@parley/kit';
import { ATTACHMENT_MEDIA_TYPES } from './files/media-types.js';

/** Environment variables of the conversation store; spread into the server's config spec. */
export const conversationConfigSpec = {
  PARLEY_ATTACHMENT_MAX_BYTES: env.integer({
    default: 10_485_760,
    min: 1,
    max: 104_857_600,
    description: 'Largest accepted conversation attachment in bytes; larger uploads get 413',
  }),
  PARLEY_ATTACHMENT_TYPES: env.listOf(ATTACHMENT_MEDIA_TYPES, {
    default: ATTACHMENT_MEDIA_TYPES,
    description: 'Media types accepted as conversation attachments (a subset of the default); others get 415',
  }),
};
