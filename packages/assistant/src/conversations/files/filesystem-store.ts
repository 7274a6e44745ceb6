import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertKey, type FileStore } from './file-store.js';

/**
 * Files in a directory (`<dataDir>/attachments`), one file per key. A write goes to a temporary
 * name and is renamed into place when complete, so a reader never sees half a file and a failed
 * upload leaves nothing behind.
 */
export class FilesystemFileStore implements FileStore {
  constructor(private readonly root: string) {}

  private pathOf(key: string): string {
    return join(this.root, assertKey(key));
  }

  async put(key: string, content: AsyncIterable<Uint8Array>): Promise<void> {
    const target = this.pathOf(key);
    await mkdir(dirname(target), { recursive: true });
    const partial = `${target}.partial-${randomBytes(6).toString('hex')}`;
    try {
      await pipeline(content, createWriteStream(partial, { flags: 'wx', mode: 0o600 }));
      await rename(partial, target);
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    }
  }

  async open(key: string): Promise<Readable> {
    // Opening first turns a missing file into a rejected promise rather than a stream error later.
    const handle = await open(this.pathOf(key), 'r');
    // The stream owns the handle and closes it when it ends or is destroyed.
    return handle.createReadStream();
  }

  async delete(key: string): Promise<void> {
    await rm(this.pathOf(key), { force: true });
  }
}
