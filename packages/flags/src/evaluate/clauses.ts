import { compare as compareSemVer, type SemVer } from 'semver';
import type { Clause, Operator } from '../model/clause.js';
import type { Segment } from '../model/segment.js';
import { attributeReader } from './attributes.js';
import type { EvaluationContext } from './result.js';
import { compileRegex, parseCidr, subnetSet, toNumber, toSemVer, toTime } from './values.js';

/** A compiled condition; `now` supplies `currentTime` when the context does not. */
export type Matcher = (context: EvaluationContext, now: () => number) => boolean;

/** Segment membership by key, resolved at compile time (segments are compiled first). */
export type SegmentLookup = (key: string) => Matcher | undefined;

type Test = (value: unknown) => boolean;

/**
 * Compiles a clause to a closure. Operands are parsed once here; evaluation only compares.
 * Throws on operands that cannot be compiled (validation rejects those at write time).
 */
export function compileClause(clause: Clause, segments: SegmentLookup): Matcher {
  if (clause.op === 'segmentMatch') return negated(segmentMatcher(clause, segments), clause.negate);
  const test = compileTest(clause);
  const attribute = clause.attribute;
  const read = attributeReader(attribute);
  const missing = clause.op === 'notIn';
  const isTime = clause.op === 'before' || clause.op === 'after';
  const matcher: Matcher = (context, now) => {
    let value = read(context);
    if (value === undefined || value === null) {
      if (isTime && attribute === 'currentTime') value = now();
      else return missing;
    }
    if (Array.isArray(value)) return missing ? value.every(test) : value.some(test);
    return test(value);
  };
  return negated(matcher, clause.negate);
}

function negated(matcher: Matcher, negate: boolean | undefined): Matcher {
  return negate ? (context, now) => !matcher(context, now) : matcher;
}

function segmentMatcher(clause: Clause, segments: SegmentLookup): Matcher {
  const members = clause.values.map((key) => {
    const matcher = segments(String(key));
    if (!matcher) throw new Error(`unknown segment '${key}'`);
    return matcher;
  });
  return (context, now) => members.some((m) => m(context, now));
}

function compileTest(clause: Clause): Test {
  const op: Operator = clause.op;
  const fold = clause.caseInsensitive === true;
  const strings = clause.values.map((v) => (fold ? String(v).toLowerCase() : String(v)));
  const text = (value: unknown): string | undefined =>
    typeof value === 'string' ? (fold ? value.toLowerCase() : value) : undefined;
  switch (op) {
    case 'in':
    case 'notIn': {
      const set = new Set<unknown>(
        clause.values.map((v) => (fold && typeof v === 'string' ? v.toLowerCase() : v)),
      );
      const isIn: Test = (value) => set.has(fold && typeof value === 'string' ? value.toLowerCase() : value);
      return op === 'in' ? isIn : (value) => !isIn(value);
    }
    case 'equals': {
      const tests = clause.values.map((expected): Test => {
        if (typeof expected === 'number') return (value) => toNumber(value) === expected;
        if (typeof expected === 'boolean') return (value) => value === expected || value === String(expected);
        const want = fold ? expected.toLowerCase() : expected;
        return (value) => text(value) === want;
      });
      return (value) => tests.some((t) => t(value));
    }
    case 'startsWith':
      return (value) => {
        const s = text(value);
        return s !== undefined && strings.some((p) => s.startsWith(p));
      };
    case 'endsWith':
      return (value) => {
        const s = text(value);
        return s !== undefined && strings.some((p) => s.endsWith(p));
      };
    case 'contains':
      return (value) => {
        const s = text(value);
        return s !== undefined && strings.some((p) => s.includes(p));
      };
    case 'matches': {
      const patterns = clause.values.map((v) => compileRegex(String(v), fold));
      return (value) => typeof value === 'string' && patterns.some((re) => re.test(value));
    }
    case 'lessThan':
    case 'lessThanOrEqual':
    case 'greaterThan':
    case 'greaterThanOrEqual': {
      const bounds = clause.values.map((v) => required(toNumber(v), v, 'number'));
      const cmp = ORDER[op];
      return (value) => {
        const n = toNumber(value);
        return n !== undefined && bounds.some((b) => cmp(n - b));
      };
    }
    case 'semVerEqual':
    case 'semVerLessThan':
    case 'semVerLessThanOrEqual':
    case 'semVerGreaterThan':
    case 'semVerGreaterThanOrEqual': {
      const bounds = clause.values.map((v) => required(toSemVer(v), v, 'semantic version'));
      const cmp = ORDER[SEMVER_ORDER[op]];
      return (value) => {
        const v = toSemVer(value);
        return v !== undefined && bounds.some((b: SemVer) => cmp(compareSemVer(v, b)));
      };
    }
    case 'before':
    case 'after': {
      const bounds = clause.values.map((v) => required(toTime(v), v, 'date'));
      const cmp = op === 'before' ? ORDER.lessThan : ORDER.greaterThan;
      return (value) => {
        const t = toTime(value);
        return t !== undefined && bounds.some((b) => cmp(t - b));
      };
    }
    case 'cidr': {
      const contains = subnetSet(clause.values.map((v) => required(parseCidr(String(v)), v, 'CIDR block')));
      return (value) => typeof value === 'string' && contains(value);
    }
    case 'segmentMatch':
      throw new Error('segmentMatch is compiled separately');
  }
}

const ORDER = {
  lessThan: (d: number) => d < 0,
  lessThanOrEqual: (d: number) => d <= 0,
  greaterThan: (d: number) => d > 0,
  greaterThanOrEqual: (d: number) => d >= 0,
  equal: (d: number) => d === 0,
};

const SEMVER_ORDER = {
  semVerEqual: 'equal',
  semVerLessThan: 'lessThan',
  semVerLessThanOrEqual: 'lessThanOrEqual',
  semVerGreaterThan: 'greaterThan',
  semVerGreaterThanOrEqual: 'greaterThanOrEqual',
} as const;

function required<T>(parsed: T | undefined, raw: unknown, what: string): T {
  if (parsed === undefined) throw new Error(`${JSON.stringify(raw)} is not a valid ${what}`);
  return parsed;
}

/** A segment's membership test: included keys, then excluded keys, then any rule. */
export function compileSegment(segment: Segment): Matcher {
  const included = new Set(segment.included ?? []);
  const excluded = new Set(segment.excluded ?? []);
  const none: SegmentLookup = () => undefined;
  const rules = (segment.rules ?? []).map((rule) => allOf(rule.clauses.map((c) => compileClause(c, none))));
  return (context, now) => {
    const key = context.targetingKey;
    if (typeof key === 'string') {
      if (included.has(key)) return true;
      if (excluded.has(key)) return false;
    }
    return rules.some((rule) => rule(context, now));
  };
}

/** Conjunction of matchers, unrolled for the common short cases. */
export function allOf(matchers: Matcher[]): Matcher {
  if (matchers.length === 0) return () => true;
  if (matchers.length === 1) return matchers[0]!;
  if (matchers.length === 2) {
    const [a, b] = matchers as [Matcher, Matcher];
    return (context, now) => a(context, now) && b(context, now);
  }
  return (context, now) => {
    for (const m of matchers) if (!m(context, now)) return false;
    return true;
  };
}
