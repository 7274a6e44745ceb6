import type { FlagType } from '../model/flag.js';
import type { Ruleset } from '../model/ruleset.js';
import { type CompiledFlag, type CompiledRuleset, compileRuleset } from './compile.js';
import { type Evaluation, type EvaluationContext, errorResult } from './result.js';

export interface EvaluatorOptions {
  /** Time for `currentTime` date clauses when the context has none; defaults to the wall clock. */
  now?: () => number;
}

/**
 * Evaluates the flags of one ruleset. Deterministic: the result depends only on the ruleset, the
 * context and (for date clauses without `currentTime`) the clock. Never throws: a missing flag, a
 * wrong type, a bad context or a broken definition returns the caller's default with reason ERROR.
 */
export class Evaluator {
  private readonly flags: CompiledRuleset;
  private readonly now: () => number;
  private readonly lookup: (key: string) => CompiledFlag | undefined;

  constructor(ruleset: Ruleset | CompiledRuleset, options: EvaluatorOptions = {}) {
    this.flags = ruleset instanceof Map ? ruleset : compileRuleset(ruleset as Ruleset);
    this.now = options.now ?? Date.now;
    this.lookup = (key) => this.flags.get(key);
  }

  /** The compiled flags, for reuse by the next compilation of the same environment. */
  get compiled(): CompiledRuleset {
    return this.flags;
  }

  keys(): string[] {
    return [...this.flags.keys()];
  }

  flag(key: string): CompiledFlag | undefined {
    return this.flags.get(key);
  }

  evaluate<T>(
    key: string,
    context: EvaluationContext,
    defaultValue: T,
    expectedType?: FlagType,
  ): Evaluation<T> {
    const flag = this.flags.get(key);
    if (flag === undefined) return errorResult(defaultValue, 'FLAG_NOT_FOUND', `flag '${key}' not found`);
    if (expectedType !== undefined && flag.type !== expectedType)
      return errorResult(
        defaultValue,
        'TYPE_MISMATCH',
        `flag '${key}' is of type ${flag.type}, not ${expectedType}`,
      );
    if (typeof context !== 'object' || context === null || Array.isArray(context))
      return errorResult(defaultValue, 'INVALID_CONTEXT', 'the evaluation context must be an object');
    if (context.targetingKey !== undefined && typeof context.targetingKey !== 'string')
      return errorResult(defaultValue, 'INVALID_CONTEXT', 'targetingKey must be a string');
    let outcome: Evaluation;
    try {
      outcome = flag.evaluate(context, this.now, 0, this.lookup);
    } catch (error) {
      return errorResult(
        defaultValue,
        'GENERAL',
        `evaluation of '${key}' failed: ${(error as Error).message}`,
      );
    }
    if (outcome.reason === 'ERROR') return { ...outcome, value: defaultValue };
    return outcome as Evaluation<T>;
  }
}
