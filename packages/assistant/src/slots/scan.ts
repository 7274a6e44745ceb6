import { normalizeText } from '../classifier/tokenize.js';

/** Questions longer than this are cut before slot extraction, so its cost stays bounded. */
export const MAX_QUESTION_CHARS = 500;

/**
 * A question being read by the slot extractors. Each extractor consumes the span it understood
 * (blanking it with spaces, so offsets stay put), so later extractors do not read the same words
 * twice: "last year" after "vs" is a comparison, not the question's own time range.
 */
export class Scan {
  text: string;

  constructor(question: string) {
    this.text = normalizeText(question)
      .slice(0, MAX_QUESTION_CHARS)
      .replace(/\s*&\s*/g, ' and ');
  }

  /** A scan over text that is already normalised (a part of another scan). */
  static ofNormalized(text: string): Scan {
    const scan = new Scan('');
    scan.text = text;
    return scan;
  }

  /** The first match of `pattern` in what is left (the pattern must not be global). */
  find(pattern: RegExp): RegExpExecArray | null {
    return pattern.exec(this.text);
  }

  consume(start: number, end: number): void {
    this.text = this.text.slice(0, start) + ' '.repeat(end - start) + this.text.slice(end);
  }

  /** Finds and consumes; returns the match. */
  take(pattern: RegExp): RegExpExecArray | null {
    const match = this.find(pattern);
    if (match) this.consume(match.index, match.index + match[0].length);
    return match;
  }
}

const NUMBER_WORDS: Record<string, number> = {
  a: 1,
  an: 1,
  one: 1,
  two: 2,
  three: 3,
  four: 4,
  five: 5,
  six: 6,
  seven: 7,
  eight: 8,
  nine: 9,
  ten: 10,
  eleven: 11,
  twelve: 12,
  fifteen: 15,
  eighteen: 18,
  twenty: 20,
  thirty: 30,
  fifty: 50,
  ninety: 90,
  hundred: 100,
};

/** A regex source for a small count written in digits or words. */
export const COUNT = `(\\d{1,4}|${Object.keys(NUMBER_WORDS).join('|')})`;

export function parseCount(text: string): number {
  return NUMBER_WORDS[text] ?? Number.parseInt(text, 10);
}
