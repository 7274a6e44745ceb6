/**
 * Text normalisation shared by the index builder and the query path, so that what is typed and
 * what is stored meet in one form: case folded, NFKD with combining marks removed ("Éléonore" →
 * "eleonore"), a few letters that NFKD keeps whole folded by hand (ß → ss), and every run of
 * whitespace collapsed to one space with none at the ends.
 */

/** Letters that have no NFKD decomposition but that people type without their mark. */
const EXTRA_FOLDS: Record<string, string> = {
  ß: 'ss',
  æ: 'ae',
  œ: 'oe',
  ø: 'o',
  ł: 'l',
  đ: 'd',
  ð: 'd',
  þ: 'th',
  ı: 'i',
};

const COMBINING_MARK = /\p{M}/u;
const WHITESPACE = /\s/u;
const PLAIN_ASCII = /^[\x21-\x7e]+(?: [\x21-\x7e]+)*$/;

export interface NormalizedText {
  text: string;
  /**
   * `offsets[i]` is the UTF-16 offset in the original of the character that produced normalized
   * character i; `offsets[text.length]` is the original's length. A normalized range [a, b) maps
   * back to the original range [offsets[a], offsets[b]) for highlighting.
   */
  offsets: Uint32Array;
}

function foldCodePoint(cp: string): string {
  const lower = cp.toLowerCase();
  let out = '';
  for (const ch of lower.normalize('NFKD')) {
    if (COMBINING_MARK.test(ch)) continue;
    out += EXTRA_FOLDS[ch] ?? ch;
  }
  return out;
}

/** The normalized key only; the fast path for the index builder and the query path. */
export function normalize(text: string): string {
  if (PLAIN_ASCII.test(text)) return text.toLowerCase();
  return normalizeWithOffsets(text).text;
}

/** Normalizes and keeps, for each output character, where it came from in the input. */
export function normalizeWithOffsets(text: string): NormalizedText {
  let out = '';
  const offsets: number[] = [];
  let pendingSpace = -1;
  let index = 0;
  for (const cp of text) {
    const at = index;
    index += cp.length;
    if (WHITESPACE.test(cp)) {
      if (out.length > 0 && pendingSpace < 0) pendingSpace = at;
      continue;
    }
    const folded = foldCodePoint(cp);
    if (folded.length === 0) continue;
    if (pendingSpace >= 0) {
      out += ' ';
      offsets.push(pendingSpace);
      pendingSpace = -1;
    }
    for (let i = 0; i < folded.length; i++) offsets.push(at);
    out += folded;
  }
  // The end offset is just past the last kept character, so a highlight never swallows trailing space.
  let end = text.length;
  if (pendingSpace >= 0) end = pendingSpace;
  const result = new Uint32Array(offsets.length + 1);
  result.set(offsets);
  result[offsets.length] = end;
  return { text: out, offsets: result };
}

/** Splits a normalized text into words. */
export function tokens(normalized: string): string[] {
  return normalized.length === 0 ? [] : normalized.split(' ');
}
