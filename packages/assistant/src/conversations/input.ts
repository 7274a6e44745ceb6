import { problems } from '@parley/kit';

export const MAX_MESSAGE_CHARS = 8000;
export const MAX_TITLE_CHARS = 200;
export const MAX_METADATA_BYTES = 8192;

/** PostgreSQL text and jsonb cannot hold U+0000; refuse it here rather than fail in the database. */
function hasNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\u0000');
  if (Array.isArray(value)) return value.some(hasNul);
  if (value && typeof value === 'object')
    return Object.entries(value).some(([key, item]) => key.includes('\u0000') || hasNul(item));
  return false;
}

function invalid(path: string, message: string) {
  return problems.validation([{ path, message }]);
}

/** A message body: some visible text, at most MAX_MESSAGE_CHARS, no NUL characters. */
export function messageText(content: string, path = '/body/content'): string {
  if (content.trim() === '') throw invalid(path, 'must contain some text');
  if (content.length > MAX_MESSAGE_CHARS)
    throw invalid(path, `must be at most ${MAX_MESSAGE_CHARS} characters`);
  if (hasNul(content)) throw invalid(path, 'must not contain NUL characters');
  return content;
}

export function titleText(title: string, path = '/body/title'): string {
  const trimmed = title.trim();
  if (trimmed === '') throw invalid(path, 'must contain some text');
  if (trimmed.length > MAX_TITLE_CHARS) throw invalid(path, `must be at most ${MAX_TITLE_CHARS} characters`);
  if (hasNul(trimmed)) throw invalid(path, 'must not contain NUL characters');
  return trimmed;
}

export function metadataObject(metadata: Record<string, unknown>, path = '/body/metadata') {
  if (Buffer.byteLength(JSON.stringify(metadata)) > MAX_METADATA_BYTES)
    throw invalid(path, `must be at most ${MAX_METADATA_BYTES} bytes as JSON`);
  if (hasNul(metadata)) throw invalid(path, 'must not contain NUL characters');
  return metadata;
}

/** A title from the first question: its first line, cut at a word boundary. */
export function titleFrom(question: string): string {
  const line = question.trim().split('\n')[0]!.replace(/\s+/g, ' ');
  if (line.length <= 80) return line;
  const cut = line.slice(0, 80);
  const space = cut.lastIndexOf(' ');
  return `${(space > 40 ? cut.slice(0, space) : cut).trimEnd()}…`;
}
