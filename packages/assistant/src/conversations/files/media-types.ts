import type { Inspection } from './inspect.js';

/**
 * The attachment types Parley accepts. The client's declared type is only a claim: binary types
 * must start with their format's signature and text types must be clean UTF-8, so an executable
 * or HTML page cannot be smuggled in under an allowed name.
 */
const SIGNATURES: Record<string, (head: Buffer) => boolean> = {
  'application/pdf': (head) => head.subarray(0, 5).toString('latin1') === '%PDF-',
  'image/png': (head) =>
    head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])),
  'image/jpeg': (head) => head.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff])),
  'image/gif': (head) => ['GIF87a', 'GIF89a'].includes(head.subarray(0, 6).toString('latin1')),
  'image/webp': (head) =>
    head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP',
};

const TEXT_TYPES = ['text/plain', 'text/csv', 'text/markdown', 'application/json'] as const;

export const ATTACHMENT_MEDIA_TYPES = [...TEXT_TYPES, ...Object.keys(SIGNATURES)] as readonly string[];

/** `text/csv; charset=utf-8` → `text/csv`. */
export function essence(mediaType: string): string {
  return mediaType.split(';')[0]!.trim().toLowerCase();
}

export function isTextType(mediaType: string): boolean {
  return (TEXT_TYPES as readonly string[]).includes(mediaType);
}

/** Whether the inspected bytes are what the (allowed) media type says they are. */
export function contentMatches(mediaType: string, inspection: Inspection): boolean {
  if (isTextType(mediaType)) return inspection.cleanText;
  return SIGNATURES[mediaType]?.(inspection.head) ?? false;
}

/**
 * The name to keep: the last path segment, without control or bidi-override characters, at most
 * 255 characters; `attachment` when nothing is left. It is only ever shown, never used as a path.
 */
export function safeFilename(name: string | undefined): string {
  const base = (name ?? '').split(/[/\\]/).at(-1) ?? '';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const cleaned = base.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '').trim();
  return cleaned === '' || cleaned === '.' || cleaned === '..' ? 'attachment' : cleaned.slice(0, 255);
}
