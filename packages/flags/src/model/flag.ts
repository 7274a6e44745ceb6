import Type, { type Static } from 'typebox';
import { Clause } from './clause.js';
import {
  MAX_CLAUSES_PER_RULE,
  MAX_KEY_LENGTH,
  MAX_PREREQUISITES,
  MAX_RULES,
  MAX_SCHEDULED_CHANGES,
  MAX_TARGET_VALUES,
  MAX_VARIATIONS,
} from './limits.js';
import { Key } from './segment.js';

export const FLAG_TYPES = ['boolean', 'string', 'number', 'json'] as const;
export type FlagType = (typeof FLAG_TYPES)[number];

const VariationIndex = Type.Integer({ minimum: 0 });
const Attributes = Type.Array(Type.String({ minLength: 1, maxLength: MAX_KEY_LENGTH }), {
  minItems: 1,
  maxItems: 5,
});

export const Variation = Type.Object(
  {
    value: Type.Unknown(),
    name: Type.Optional(Type.String({ maxLength: 256 })),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);
export type Variation = Static<typeof Variation>;

/**
 * Bucketing: `murmur3_x86_32("<groupId>:<value>", seed) % resolution + 1`, as Unleash computes it
 * (`flagd` hashes `<groupId><value>` with flagd's fractional formula instead, for imported flags).
 * `bucketBy` lists the attributes whose first present value is the stickiness value.
 */
const Bucketing = {
  bucketBy: Type.Optional(Attributes),
  /** Defaults to the flag key; share it between flags so they bucket users identically. */
  groupId: Type.Optional(Type.String({ maxLength: MAX_KEY_LENGTH })),
};

/** A gate in front of a rule: the rule applies only to the first `percentage` % of buckets. */
export const Rollout = Type.Object(
  { percentage: Type.Number({ minimum: 0, maximum: 100 }), ...Bucketing },
  { additionalProperties: false },
);
export type Rollout = Static<typeof Rollout>;

export const WeightedVariation = Type.Object(
  { variation: VariationIndex, weight: Type.Number({ minimum: 0 }) },
  { additionalProperties: false },
);

/** Weighted variants: weights in thousandths of a percent summing to WEIGHT_TOTAL. */
export const Split = Type.Object(
  {
    variations: Type.Array(WeightedVariation, { minItems: 1, maxItems: MAX_VARIATIONS }),
    ...Bucketing,
    hash: Type.Optional(Type.Enum(['unleash', 'flagd'])),
    /** Unleash hashes variants with seed 86028157 (the default) and strategy rollouts with 0. */
    seed: Type.Optional(Type.Integer({ minimum: 0, maximum: 0xffffffff })),
    /** Number of buckets (Unleash variants use 1000); weights must fall on bucket boundaries. */
    resolution: Type.Optional(Type.Integer({ minimum: 1, maximum: 100_000 })),
  },
  { additionalProperties: false },
);
export type Split = Static<typeof Split>;

export const Serve = Type.Union([
  Type.Object({ variation: VariationIndex }, { additionalProperties: false }),
  Type.Object({ split: Split }, { additionalProperties: false }),
]);
export type Serve = Static<typeof Serve>;

export const Rule = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: MAX_KEY_LENGTH }),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    /** All clauses must hold (AND); an empty list always holds. */
    clauses: Type.Array(Clause, { maxItems: MAX_CLAUSES_PER_RULE }),
    rollout: Type.Optional(Rollout),
    serve: Serve,
  },
  { additionalProperties: false },
);
export type Rule = Static<typeof Rule>;

/** Individual targets: these values of `attribute` (default the targeting key) get `variation`. */
export const Target = Type.Object(
  {
    variation: VariationIndex,
    values: Type.Array(Type.String(), { maxItems: MAX_TARGET_VALUES }),
    attribute: Type.Optional(Type.String({ minLength: 1, maxLength: MAX_KEY_LENGTH })),
  },
  { additionalProperties: false },
);
export type Target = Static<typeof Target>;

/** Satisfied when flag `key` evaluates (without error) to one of `variations`. */
export const Prerequisite = Type.Object(
  { key: Key, variations: Type.Array(VariationIndex, { minItems: 1, maxItems: MAX_VARIATIONS }) },
  { additionalProperties: false },
);
export type Prerequisite = Static<typeof Prerequisite>;

/** The targeting part of a flag that a scheduled change may replace. */
const TargetingFields = {
  on: Type.Boolean(),
  offVariation: VariationIndex,
  targets: Type.Array(Target, { maxItems: MAX_VARIATIONS }),
  rules: Type.Array(Rule, { maxItems: MAX_RULES }),
  fallthrough: Serve,
  prerequisites: Type.Array(Prerequisite, { maxItems: MAX_PREREQUISITES }),
};

export const ScheduledChange = Type.Object(
  {
    id: Type.String({ minLength: 1, maxLength: MAX_KEY_LENGTH }),
    at: Type.String({ format: 'date-time' }),
    set: Type.Partial(Type.Object(TargetingFields, { additionalProperties: false })),
  },
  { additionalProperties: false },
);
export type ScheduledChange = Static<typeof ScheduledChange>;

export const Flag = Type.Object(
  {
    key: Key,
    name: Type.Optional(Type.String({ maxLength: 512 })),
    description: Type.Optional(Type.String({ maxLength: 4096 })),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 128 }), { maxItems: 100 })),
    owner: Type.Optional(Type.String({ maxLength: 256 })),
    type: Type.Enum(FLAG_TYPES),
    kind: Type.Optional(Type.Enum(['temporary', 'permanent'])),
    variations: Type.Array(Variation, { minItems: 1, maxItems: MAX_VARIATIONS }),
    on: TargetingFields.on,
    offVariation: TargetingFields.offVariation,
    targets: Type.Optional(TargetingFields.targets),
    rules: Type.Optional(TargetingFields.rules),
    fallthrough: TargetingFields.fallthrough,
    prerequisites: Type.Optional(TargetingFields.prerequisites),
    scheduledChanges: Type.Optional(Type.Array(ScheduledChange, { maxItems: MAX_SCHEDULED_CHANGES })),
    version: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type Flag = Static<typeof Flag>;
