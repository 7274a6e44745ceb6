import { problems } from '@parley/kit';
import { normalize } from './normalize.js';

/** Longest pattern accepted, to keep matching cheap. */
const MAX_PATTERN_LENGTH = 200;

export interface BlocklistRules {
  terms: string[];
  patterns: string[];
}

/**
 * Terms and patterns whose suggestions must never be shown. A term blocks every phrase that
 * contains it as whole words ("bad word" blocks "a bad word here" but not "badword"); a pattern is
 * a regular expression tested on the normalized phrase. Both are applied to every answer at query
 * time, so a change takes effect on the next keystroke; a rebuild then purges blocked phrases.
 */
export class Blocklist {
  private readonly terms = new Set<string>();
  private readonly patterns = new Map<string, RegExp>();
  /** Bumped on every change, so caches keyed by it drop stale answers. */
  version = 0;

  constructor(rules: Partial<BlocklistRules> = {}) {
    for (const term of rules.terms ?? []) this.addTerm(term);
    for (const pattern of rules.patterns ?? []) this.addPattern(pattern);
  }

  get empty(): boolean {
    return this.terms.size === 0 && this.patterns.size === 0;
  }

  addTerm(term: string): void {
    const key = normalize(term);
    if (key.length === 0) throw problems.badRequest('A blocked term must not be empty');
    this.terms.add(key);
    this.version++;
  }

  /** Adds a regular expression (JavaScript syntax, Unicode mode, case-insensitive). */
  addPattern(source: string): void {
    if (source.length === 0 || source.length > MAX_PATTERN_LENGTH) {
      throw problems.badRequest(`A blocked pattern must have 1 to ${MAX_PATTERN_LENGTH} characters`);
    }
    let pattern: RegExp;
    try {
      pattern = new RegExp(source, 'iu');
    } catch (error) {
      throw problems.badRequest(`Invalid blocked pattern: ${(error as Error).message}`);
    }
    this.patterns.set(source, pattern);
    this.version++;
  }

  remove(termOrPattern: string): boolean {
    const removed = this.terms.delete(normalize(termOrPattern)) || this.patterns.delete(termOrPattern);
    if (removed) this.version++;
    return removed;
  }

  rules(): BlocklistRules {
    return { terms: [...this.terms], patterns: [...this.patterns.keys()] };
  }

  /** Whether a normalized phrase is blocked. */
  blocks(key: string): boolean {
    if (this.empty) return false;
    const padded = ` ${key} `;
    for (const term of this.terms) if (padded.includes(` ${term} `)) return true;
    for (const pattern of this.patterns.values()) if (pattern.test(key)) return true;
    return false;
  }
}
