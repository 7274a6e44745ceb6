/**
 * Atomic state files, as Alertmanager snapshots its silences and notification log: the new content
 * goes to a temporary file that is fsynced and renamed over the old one, so a crash leaves either
 * the previous snapshot or the new one, never a torn file.
 */
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';

export function writeSnapshot(file: string, data: unknown): void {
  writeFileAtomic(file, JSON.stringify(data));
}

export function writeFileAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
}

/** The snapshot's content, or undefined when there is none yet. A corrupt file is an error: never silently lose state. */
export function readSnapshot(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new Error(`corrupt snapshot ${file}: ${(error as Error).message}`);
  }
}
