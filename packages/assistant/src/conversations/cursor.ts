import { isUuid, problems } from '@parley/kit';
import type { Keyset } from './store.js';
import type { ConversationView } from './views.js';

/** An opaque page cursor: the (updatedAt, id) of the last conversation of a page. */
export function encodeCursor(last: ConversationView): string {
  return Buffer.from(JSON.stringify([last.updatedAt, last.id])).toString('base64url');
}

export function decodeCursor(cursor: string): Keyset {
  try {
    const [updatedAt, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown[];
    const date = typeof updatedAt === 'string' ? new Date(updatedAt) : undefined;
    if (date && !Number.isNaN(date.getTime()) && typeof id === 'string' && isUuid(id))
      return { updatedAt: date, id };
  } catch {
    // falls through to the problem below
  }
  throw problems.badRequest('The cursor is not one this API issued; start again without it');
}
