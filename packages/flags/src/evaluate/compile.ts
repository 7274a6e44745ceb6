import type { Flag, FlagType, Rollout, Serve, Split } from '../model/flag.js';
import { WEIGHT_TOTAL } from '../model/limits.js';
import type { Ruleset } from '../model/ruleset.js';
import { attributeReader } from './attributes.js';
import { flagdRatio, normalizedValue, UNLEASH_VARIANT_SEED } from './bucket.js';
import { allOf, compileClause, compileSegment, type Matcher } from './clauses.js';
import type { ErrorCode, Evaluation, EvaluationContext, Reason } from './result.js';

/** Prerequisite chains deeper than this are treated as broken (validation forbids cycles). */
export const MAX_PREREQUISITE_DEPTH = 32;

export interface CompiledFlag {
  readonly key: string;
  readonly type: FlagType;
  /** Whether anything but the fallthrough can decide (for OpenFeature's STATIC reason). */
  readonly hasTargeting: boolean;
  /**
   * Returns a shared frozen outcome; ERROR outcomes carry no value (the caller's default applies).
   * `flags` resolves prerequisites, so a compiled flag does not depend on the ruleset it came from
   * and can be reused when other flags change.
   */
  evaluate(context: EvaluationContext, now: () => number, depth: number, flags: FlagLookup): Evaluation;
}

export type FlagLookup = (key: string) => CompiledFlag | undefined;

/** What `compileRuleset` may take over from the previous compilation of the same environment. */
export interface Recompilation {
  previous: CompiledRuleset;
  /** Keys whose definition (or one of whose segments) changed: these are compiled afresh. */
  changed: ReadonlySet<string>;
}

export type CompiledRuleset = ReadonlyMap<string, CompiledFlag>;

const TOO_DEEP: Evaluation = Object.freeze({
  value: undefined,
  reason: 'ERROR',
  errorCode: 'GENERAL',
  errorMessage: `prerequisite chain deeper than ${MAX_PREREQUISITE_DEPTH} (a cycle?)`,
});

type Decide = (context: EvaluationContext, now: () => number) => Evaluation;

/**
 * Compiles every segment and flag of a ruleset into closures. A flag that cannot be compiled
 * (an invalid definition that bypassed validation) becomes a flag that always reports PARSE_ERROR.
 */
export function compileRuleset(ruleset: Ruleset, reuse?: Recompilation): CompiledRuleset {
  const segments = new Map<string, Matcher>();
  for (const segment of ruleset.segments) segments.set(segment.key, compileSegment(segment));
  const compiled = new Map<string, CompiledFlag>();
  for (const flag of ruleset.flags) {
    const previous = reuse && !reuse.changed.has(flag.key) ? reuse.previous.get(flag.key) : undefined;
    if (previous) {
      compiled.set(flag.key, previous);
      continue;
    }
    try {
      compiled.set(
        flag.key,
        compileFlag(flag, (key) => segments.get(key)),
      );
    } catch (error) {
      compiled.set(flag.key, brokenFlag(flag, `flag '${flag.key}' is invalid: ${(error as Error).message}`));
    }
  }
  return compiled;
}

function compileFlag(flag: Flag, segments: (key: string) => Matcher | undefined): CompiledFlag {
  const outcomes = new OutcomeTable(flag);
  const off = outcomes.get(flag.offVariation, 'OFF');
  const hasTargeting = Boolean(flag.targets?.length || flag.rules?.length || flag.prerequisites?.length);
  if (!flag.on) return { key: flag.key, type: flag.type, hasTargeting, evaluate: () => off };

  const fallthrough = compileServe(flag, flag.fallthrough, (i, split) =>
    outcomes.get(i, 'FALLTHROUGH', undefined, split),
  );
  let decide: Decide = fallthrough;
  for (const rule of [...(flag.rules ?? [])].reverse()) {
    const matches = allOf(rule.clauses.map((c) => compileClause(c, segments)));
    const gate = rule.rollout ? compileRollout(flag, rule.rollout) : undefined;
    const serve = compileServe(flag, rule.serve, (i, split) => outcomes.get(i, 'RULE_MATCH', rule.id, split));
    const next = decide;
    decide = gate
      ? (context, now) => (matches(context, now) && gate(context) ? serve(context, now) : next(context, now))
      : (context, now) => (matches(context, now) ? serve(context, now) : next(context, now));
  }
  decide = withTargets(flag, outcomes, decide);

  const prerequisites = (flag.prerequisites ?? []).map((p) => ({ ...p, allowed: new Set(p.variations) }));
  const failed = new Map(
    prerequisites.map((p) => [
      p.key,
      outcomes.get(flag.offVariation, 'PREREQUISITE_FAILED', undefined, false, p.key),
    ]),
  );
  const evaluate =
    prerequisites.length === 0
      ? (context: EvaluationContext, now: () => number) => decide(context, now)
      : (context: EvaluationContext, now: () => number, depth: number, flags: FlagLookup): Evaluation => {
          if (depth >= MAX_PREREQUISITE_DEPTH) return TOO_DEEP;
          for (const p of prerequisites) {
            const result = flags(p.key)?.evaluate(context, now, depth + 1, flags);
            if (result === TOO_DEEP) return result;
            if (result?.variationIndex === undefined || !p.allowed.has(result.variationIndex))
              return failed.get(p.key)!;
          }
          return decide(context, now);
        };
  return { key: flag.key, type: flag.type, hasTargeting, evaluate };
}

/** Individual targets are checked by hash lookup, one map per attribute. */
function withTargets(flag: Flag, outcomes: OutcomeTable, next: Decide): Decide {
  const byAttribute = new Map<string, Map<string, Evaluation>>();
  for (const target of flag.targets ?? []) {
    const attribute = target.attribute ?? 'targetingKey';
    const map = byAttribute.get(attribute) ?? new Map<string, Evaluation>();
    byAttribute.set(attribute, map);
    const outcome = outcomes.get(target.variation, 'TARGET_MATCH');
    for (const value of target.values) if (!map.has(value)) map.set(value, outcome);
  }
  if (byAttribute.size === 0) return next;
  const lists = [...byAttribute].map(([attribute, map]) => [attributeReader(attribute), map] as const);
  return (context, now) => {
    for (const [read, map] of lists) {
      const value = read(context);
      if (typeof value === 'string') {
        const hit = map.get(value);
        if (hit) return hit;
      }
    }
    return next(context, now);
  };
}

/** The stickiness value: the first present attribute of `bucketBy`, as text. */
function stickiness(attributes: readonly string[]): (context: EvaluationContext) => string | undefined {
  const readers = attributes.map((attribute) => {
    const read = attributeReader(attribute);
    return (context: EvaluationContext) => {
      const value = read(context);
      return typeof value === 'string' && value !== ''
        ? value
        : typeof value === 'number'
          ? String(value)
          : undefined;
    };
  });
  if (readers.length === 1) return readers[0]!;
  return (context) => {
    for (const read of readers) {
      const value = read(context);
      if (value !== undefined) return value;
    }
    return undefined;
  };
}

/** Unleash's flexibleRollout gate: in when the bucket (1..100) is at most the percentage. */
function compileRollout(flag: Flag, rollout: Rollout): (context: EvaluationContext) => boolean {
  const groupId = rollout.groupId ?? flag.key;
  const value = stickiness(rollout.bucketBy ?? ['targetingKey']);
  const percentage = rollout.percentage;
  if (percentage >= 100) return () => true;
  return (context) => {
    const id = value(context);
    return id !== undefined && percentage > 0 && normalizedValue(id, groupId) <= percentage;
  };
}

function compileServe(
  flag: Flag,
  serve: Serve,
  outcome: (variation: number, split: boolean) => Evaluation,
): Decide {
  if ('variation' in serve) {
    const fixed = outcome(serve.variation, false);
    return () => fixed;
  }
  const pick = compileSplit(flag, serve.split);
  const results = flag.variations.map((_, i) => outcome(i, true));
  const missing = new OutcomeTable(flag).error(
    'TARGETING_KEY_MISSING',
    'the split needs a bucketing attribute',
  );
  const beyond = new OutcomeTable(flag).error('GENERAL', 'the bucket fell outside every variation');
  return (context) => {
    const index = pick(context);
    return index === undefined ? missing : index < 0 ? beyond : results[index]!;
  };
}

/** Returns the chosen variation index, undefined without a bucketing value, -1 past the last weight. */
function compileSplit(flag: Flag, split: Split): (context: EvaluationContext) => number | undefined {
  const value = stickiness(split.bucketBy ?? ['targetingKey']);
  const weighted = split.variations.filter((w) => w.weight > 0);
  const variations = weighted.map((w) => w.variation);
  let cumulative = 0;
  const ends = weighted.map((w) => (cumulative += w.weight));
  if ((split.hash ?? 'unleash') === 'flagd') {
    // flagd: position = ratio × total weight; the first variation whose range end exceeds it.
    const groupId = split.groupId ?? flag.key;
    return (context) => {
      const id = value(context);
      if (id === undefined) return undefined;
      const position = flagdRatio(groupId + id) * WEIGHT_TOTAL;
      for (let i = 0; i < ends.length; i++) if (position < ends[i]!) return variations[i];
      return -1;
    };
  }
  // Unleash: target = murmur3("<groupId>:<id>", seed) % resolution + 1; the first variation whose
  // cumulative weight (scaled to the resolution) reaches it.
  const groupId = split.groupId ?? flag.key;
  const resolution = split.resolution ?? WEIGHT_TOTAL;
  const seed = split.seed ?? UNLEASH_VARIANT_SEED;
  const thresholds = ends.map((end) => (end * resolution) / WEIGHT_TOTAL);
  return (context) => {
    const id = value(context);
    if (id === undefined) return undefined;
    const target = normalizedValue(id, groupId, resolution, seed);
    for (let i = 0; i < thresholds.length; i++) if (thresholds[i]! >= target) return variations[i];
    return -1;
  };
}

/** Builds each distinct outcome once, frozen, so evaluation allocates nothing on success. */
class OutcomeTable {
  private readonly cache = new Map<string, Evaluation>();
  constructor(private readonly flag: Flag) {}

  get(index: number, reason: Reason, ruleId?: string, split = false, prerequisiteKey?: string): Evaluation {
    const id = `${index}|${reason}|${ruleId ?? ''}|${split}|${prerequisiteKey ?? ''}`;
    let outcome = this.cache.get(id);
    if (!outcome) {
      const variation = this.flag.variations[index];
      if (!variation) throw new Error(`variation ${index} does not exist`);
      outcome = Object.freeze({
        value: deepFreeze(variation.value),
        variationIndex: index,
        variant: variation.name ?? String(index),
        reason,
        ...(ruleId !== undefined && { ruleId }),
        ...(split && { split }),
        ...(prerequisiteKey !== undefined && { prerequisiteKey }),
      });
      this.cache.set(id, outcome);
    }
    return outcome;
  }

  error(errorCode: ErrorCode, errorMessage: string): Evaluation {
    return Object.freeze({ value: undefined, reason: 'ERROR' as const, errorCode, errorMessage });
  }
}

function brokenFlag(flag: Flag, message: string): CompiledFlag {
  const outcome = new OutcomeTable(flag).error('PARSE_ERROR', message);
  return { key: flag.key, type: flag.type, hasTargeting: true, evaluate: () => outcome };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
