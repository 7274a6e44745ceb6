import type { Client } from '../server/client.js';

/**
 * The common tail of every blocking command: nothing to serve now, so block on the keys, or,
 * where a client may not block (inside MULTI/EXEC or a script), answer as if timed out at once.
 */
export function blockOr(
  c: Client,
  argv: string[],
  keys: string[],
  timeoutMs: number,
  onTimeout: (c: Client) => void,
): void {
  if (c.canBlock) c.engine.block(c, argv, keys, timeoutMs, onTimeout);
  else onTimeout(c);
}

export const nilArrayReply = (c: Client): void => c.writer.nilArray();
export const nilReply = (c: Client): void => c.writer.nil();
