/** Why an evaluation produced its value. */
export type Reason = 'OFF' | 'PREREQUISITE_FAILED' | 'TARGET_MATCH' | 'RULE_MATCH' | 'FALLTHROUGH' | 'ERROR';

/** OpenFeature's error codes, so results pass through the provider and OFREP unchanged. */
export type ErrorCode =
  | 'FLAG_NOT_FOUND'
  | 'TYPE_MISMATCH'
  | 'TARGETING_KEY_MISSING'
  | 'INVALID_CONTEXT'
  | 'PARSE_ERROR'
  | 'PROVIDER_NOT_READY'
  | 'GENERAL';

export interface Evaluation<T = unknown> {
  value: T;
  /** Index of the served variation; absent when the caller's default was returned. */
  variationIndex?: number;
  /** The variation's name, or its index as text. */
  variant?: string;
  reason: Reason;
  /** The rule that matched (RULE_MATCH). */
  ruleId?: string;
  /** True when a weighted split chose the variation. */
  split?: boolean;
  /** The prerequisite that was not met (PREREQUISITE_FAILED). */
  prerequisiteKey?: string;
  errorCode?: ErrorCode;
  errorMessage?: string;
}

/** A context as OpenFeature defines it: attributes plus the optional targeting key. */
export type EvaluationContext = { targetingKey?: string } & Record<string, unknown>;

/** OpenFeature's standard reasons. */
export type OpenFeatureReason = 'STATIC' | 'DEFAULT' | 'TARGETING_MATCH' | 'SPLIT' | 'DISABLED' | 'ERROR';

export function openFeatureReason(evaluation: Evaluation, hasTargeting = true): OpenFeatureReason {
  switch (evaluation.reason) {
    case 'OFF':
      return 'DISABLED';
    case 'ERROR':
      return 'ERROR';
    case 'TARGET_MATCH':
      return 'TARGETING_MATCH';
    case 'RULE_MATCH':
      return evaluation.split ? 'SPLIT' : 'TARGETING_MATCH';
    case 'PREREQUISITE_FAILED':
      return 'DEFAULT';
    case 'FALLTHROUGH':
      return evaluation.split ? 'SPLIT' : hasTargeting ? 'DEFAULT' : 'STATIC';
  }
}

export function errorResult<T>(defaultValue: T, errorCode: ErrorCode, errorMessage: string): Evaluation<T> {
  return { value: defaultValue, reason: 'ERROR', errorCode, errorMessage };
}
