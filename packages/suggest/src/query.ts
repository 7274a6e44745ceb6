import { problems } from '@parley/kit';
import { normalize } from './normalize.js';

/** Longest query accepted, in UTF-16 code units before normalisation. */
export const MAX_QUERY_LENGTH = 256;

/** C0 and C1 controls, except tab, line feed and carriage return, which count as whitespace. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || (c >= 0x7f && c <= 0x9f)) return true;
  }
  return false;
}
// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Checks a typed query and returns its normalized form ('' for an empty or blank query, which
 * has no suggestions). Throws a 400 problem for input that cannot be a query, before any work
 * proportional to its length is done on it.
 */
export function parseQuery(raw: string, maxLength = MAX_QUERY_LENGTH): string {
  if (raw.length > maxLength) throw problems.badRequest(`The query is longer than ${maxLength} characters`);
  if (hasControl(raw)) throw problems.badRequest('The query contains control characters');
  if (LONE_SURROGATE.test(raw)) throw problems.badRequest('The query is not valid Unicode (lone surrogate)');
  return normalize(raw);
}
