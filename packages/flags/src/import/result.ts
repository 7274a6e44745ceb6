import type { Ruleset } from '../model/ruleset.js';
import { type ValidationIssue, validateRuleset } from '../validate.js';

/** An import either yields a valid ruleset (plus notes on what was dropped) or says what failed, where. */
export type ImportResult =
  | { ok: true; ruleset: Ruleset; warnings: ValidationIssue[] }
  | { ok: false; issues: ValidationIssue[] };

/** Problems found while translating; paths point into the source document. */
export class ImportIssues {
  readonly issues: ValidationIssue[] = [];
  readonly warnings: ValidationIssue[] = [];

  fail(path: string, message: string): void {
    this.issues.push({ path, message });
  }

  warn(path: string, message: string): void {
    this.warnings.push({ path, message });
  }

  /** Final gate: the translated ruleset must itself pass write-time validation. */
  result(ruleset: Ruleset): ImportResult {
    if (this.issues.length > 0) return { ok: false, issues: this.issues };
    const checked = validateRuleset(ruleset);
    if (!checked.ok)
      return {
        ok: false,
        issues: checked.issues.map((i) => ({ ...i, message: `translated ruleset ${i.path}: ${i.message}` })),
      };
    return { ok: true, ruleset: checked.value, warnings: this.warnings };
  }
}

/** RFC 6901 escaping of one path segment. */
export function pointer(segment: string | number): string {
  return String(segment).replace(/~/g, '~0').replace(/\//g, '~1');
}
