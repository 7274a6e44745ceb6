import Type, { type Static } from 'typebox';
import { MAX_CLAUSE_VALUES, MAX_KEY_LENGTH, MAX_STRING_VALUE_LENGTH } from './limits.js';

/**
 * Clause operators. A clause is true when the context attribute satisfies the operator for ANY of
 * the clause's values; `negate` flips the outcome afterwards. A missing or ill-typed attribute makes
 * the operator false before negation (and `notIn` true), which is Unleash's constraint semantics.
 */
export const OPERATORS = [
  'in',
  'notIn',
  'equals',
  'startsWith',
  'endsWith',
  'contains',
  'matches',
  'lessThan',
  'lessThanOrEqual',
  'greaterThan',
  'greaterThanOrEqual',
  'semVerEqual',
  'semVerLessThan',
  'semVerLessThanOrEqual',
  'semVerGreaterThan',
  'semVerGreaterThanOrEqual',
  'before',
  'after',
  'cidr',
  'segmentMatch',
] as const;
export type Operator = (typeof OPERATORS)[number];

export const ClauseValue = Type.Union([
  Type.String({ maxLength: MAX_STRING_VALUE_LENGTH }),
  Type.Number(),
  Type.Boolean(),
]);
export type ClauseValue = Static<typeof ClauseValue>;

export const Clause = Type.Object(
  {
    /** Context attribute; `targetingKey` is the OpenFeature targeting key. Unused by `segmentMatch`. */
    attribute: Type.String({ minLength: 1, maxLength: MAX_KEY_LENGTH }),
    op: Type.Enum(OPERATORS),
    values: Type.Array(ClauseValue, { maxItems: MAX_CLAUSE_VALUES }),
    negate: Type.Optional(Type.Boolean()),
    /** String operators (in, equals, starts/ends with, contains, matches) compare case-insensitively. */
    caseInsensitive: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type Clause = Static<typeof Clause>;
