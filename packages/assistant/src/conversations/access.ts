import { problems } from '@parley/kit';
import type { ConversationView } from './views.js';

/** Who is acting: the authenticated principal, reduced to what conversations need. */
export interface Caller {
  tenantId: string;
  /** The user or service-account id; conversations belong to it. */
  subject: string;
  permissions: ReadonlySet<string>;
}

/** How the caller reached a conversation: as its owner, or as a tenant admin reading another's. */
export type Access = 'owner' | 'tenant-reader';

export const READ_ALL = 'conversations:read_all';

/**
 * Owners read and write their conversations. Holders of `conversations:read_all` (admins) may read
 * anyone's in their tenant, never change them. Everyone else learns nothing: a conversation they
 * may not read answers 404, the same as one that does not exist (or lives in another tenant).
 */
export function accessTo(caller: Caller, conversation: ConversationView, need: 'read' | 'write'): Access {
  if (conversation.ownerId === caller.subject) return 'owner';
  const readsAll = caller.permissions.has(READ_ALL);
  if (readsAll && need === 'read') return 'tenant-reader';
  if (readsAll) throw problems.forbidden('Only the owner of a conversation can change it');
  throw notFound();
}

export function notFound() {
  return problems.notFound('No such conversation');
}
