/**
 * Label matchers `=`, `!=`, `=~`, `!~`. Regexes are fully anchored like Prometheus's
 * (`^(?s:re)$`), so `job=~"api"` matches only "api", never "api-2".
 */
import type { Labels } from '../labels.js';
import { getLabel } from '../labels.js';
import { type IndexReader, intersect, merge, type Postings, without } from './postings.js';

export type MatchType = '=' | '!=' | '=~' | '!~';

export class Matcher {
  private readonly re: RegExp | undefined;

  constructor(
    readonly type: MatchType,
    readonly name: string,
    readonly value: string,
  ) {
    if (type === '=~' || type === '!~') {
      try {
        this.re = new RegExp(`^(?:${value})$`, 's');
      } catch (error) {
        throw new MatcherError(
          `invalid regular expression ${JSON.stringify(value)}: ${(error as Error).message}`,
        );
      }
    }
  }

  matches(value: string): boolean {
    switch (this.type) {
      case '=':
        return value === this.value;
      case '!=':
        return value !== this.value;
      case '=~':
        return this.re!.test(value);
      case '!~':
        return !this.re!.test(value);
    }
  }

  matchesLabels(labels: Labels): boolean {
    return this.matches(getLabel(labels, this.name));
  }

  toString(): string {
    return `${this.name}${this.type}${JSON.stringify(this.value)}`;
  }
}

export class MatcherError extends Error {
  override name = 'MatcherError';
}

/**
 * Series refs matching all matchers. A matcher that matches the empty string also matches series
 * without the label, so it is applied by subtracting the values it rejects, as Prometheus does.
 */
export function postingsForMatchers(index: IndexReader, matchers: readonly Matcher[]): number[] {
  let result: Postings | undefined;
  const subtract: Matcher[] = [];
  for (const m of matchers) {
    if (m.matches('')) {
      subtract.push(m);
      continue;
    }
    const p = postingsForMatcher(index, m);
    result = result === undefined ? p : intersect(result, p);
    if (result.length === 0) return [];
  }
  if (result === undefined) result = index.allPostings();
  for (const m of subtract) {
    const rejected = index.labelValues(m.name).filter((v) => !m.matches(v));
    if (rejected.length === 0) continue;
    result = without(result, merge(rejected.map((v) => index.postings(m.name, v))));
  }
  return Array.from(result);
}

function postingsForMatcher(index: IndexReader, m: Matcher): Postings {
  if (m.type === '=') return index.postings(m.name, m.value);
  const values = index.labelValues(m.name).filter((v) => m.matches(v));
  return merge(values.map((v) => index.postings(m.name, v)));
}
