import Type, { type Static } from 'typebox';
import { Clause } from './clause.js';
import { MAX_CLAUSES_PER_RULE, MAX_KEY_LENGTH, MAX_RULES, MAX_SEGMENT_KEYS } from './limits.js';

export const Key = Type.String({ minLength: 1, maxLength: MAX_KEY_LENGTH, pattern: '^[A-Za-z0-9_.:/@~-]+$' });

export const SegmentRule = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: MAX_KEY_LENGTH }),
    clauses: Type.Array(Clause, { maxItems: MAX_CLAUSES_PER_RULE }),
  },
  { additionalProperties: false },
);
export type SegmentRule = Static<typeof SegmentRule>;

/**
 * A reusable audience: a context is a member when its targeting key is included, otherwise not when
 * excluded, otherwise when any rule matches (all clauses of a rule must hold).
 */
export const Segment = Type.Object(
  {
    key: Key,
    name: Type.Optional(Type.String({ maxLength: 512 })),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    included: Type.Optional(Type.Array(Type.String(), { maxItems: MAX_SEGMENT_KEYS })),
    excluded: Type.Optional(Type.Array(Type.String(), { maxItems: MAX_SEGMENT_KEYS })),
    rules: Type.Optional(Type.Array(SegmentRule, { maxItems: MAX_RULES })),
    version: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type Segment = Static<typeof Segment>;
