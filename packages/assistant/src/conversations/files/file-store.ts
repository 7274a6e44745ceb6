import type { Readable } from 'node:stream';

/**
 * Where attachment bytes live, by key. The filesystem store is the embedded default; an
 * S3-compatible store implements the same three calls (PutObject, GetObject, DeleteObject).
 */
export interface FileStore {
  /** Stores all of `content` under `key`; on any error (also the source's) nothing is left under the key. */
  put(key: string, content: AsyncIterable<Uint8Array>): Promise<void>;
  /** The stored bytes; rejects when the key holds nothing. */
  open(key: string): Promise<Readable>;
  /** Removes the key; no error when it holds nothing. */
  delete(key: string): Promise<void>;
}

/** Keys are made by Parley from ids (`tenant/conversation/attachment`), never from user input. */
const KEY = /^[0-9a-f-]{36}(\/[0-9a-f-]{36}){0,3}$/;

export function assertKey(key: string): string {
  if (!KEY.test(key)) throw new TypeError(`FileStore: invalid key ${JSON.stringify(key)}`);
  return key;
}
