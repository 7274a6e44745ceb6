/** Longest input the classifier looks at; longer text is cut so inference time stays bounded. */
export const MAX_INPUT_CHARS = 1000;

// Lone surrogates are not well-formed UTF-16; they are replaced before any Unicode-aware step.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
// Control, format, private-use and unassigned code points carry no words.
const INVISIBLE = /\p{C}+/gu;
const COMBINING_MARK = /\p{M}+/gu;
const WORD = /[\p{L}\p{N}]+(?:['’][\p{L}]+)?/gu;

/**
 * Canonical text the models see: cut to a bounded length, well-formed, accent- and case-folded,
 * invisible characters as spaces, whitespace collapsed. Total over any string input.
 */
export function normalizeText(text: string): string {
  let s = text.length > MAX_INPUT_CHARS * 2 ? text.slice(0, MAX_INPUT_CHARS * 2) : text;
  s = s
    .replace(LONE_SURROGATE, ' ')
    .normalize('NFKD')
    .replace(COMBINING_MARK, '')
    .replace(INVISIBLE, ' ')
    .toLowerCase()
    .replace(/\s+/g, ' ')
    .trim();
  return s.length > MAX_INPUT_CHARS ? s.slice(0, MAX_INPUT_CHARS) : s;
}

/**
 * Word tokens of normalised text. Digits are folded to `0` so "Q3 2025" and "Q1 2024" share
 * tokens (`q0`, `0000`): the intent does not depend on which quarter was asked about.
 */
export function wordTokens(normalized: string): string[] {
  const tokens = normalized.match(WORD) ?? [];
  return tokens.map((t) => t.replace(/’/g, "'").replace(/\d/g, '0'));
}

export function tokenize(text: string): string[] {
  return wordTokens(normalizeText(text));
}
