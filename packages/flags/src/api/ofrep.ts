import type { Evaluator } from '../evaluate/evaluator.js';
import { type Evaluation, type EvaluationContext, openFeatureReason } from '../evaluate/result.js';

/**
 * OpenFeature Remote Evaluation Protocol shapes (OFREP v0.2): a success carries the value, the
 * OpenFeature reason, the variant and metadata; a failure carries an error code and details.
 */
export interface OfrepSuccess {
  key: string;
  value: unknown;
  reason: string;
  variant?: string;
  metadata: Record<string, string | number | boolean>;
}

export interface OfrepFailure {
  key: string;
  errorCode: string;
  errorDetails: string;
}

export function ofrepResult(
  evaluator: Evaluator,
  key: string,
  context: EvaluationContext,
): OfrepSuccess | OfrepFailure {
  const evaluation: Evaluation = evaluator.evaluate(key, context, null);
  if (evaluation.reason === 'ERROR')
    return {
      key,
      errorCode: evaluation.errorCode ?? 'GENERAL',
      errorDetails: evaluation.errorMessage ?? 'evaluation failed',
    };
  const flag = evaluator.flag(key);
  return {
    key,
    value: evaluation.value,
    reason: openFeatureReason(evaluation, flag?.hasTargeting ?? true),
    ...(evaluation.variant !== undefined && { variant: evaluation.variant }),
    metadata: evaluation.ruleId !== undefined ? { ruleId: evaluation.ruleId } : {},
  };
}

/** OFREP status per error code: 404 for an unknown flag, 400 with the code for every other failure. */
export function ofrepStatus(failure: OfrepFailure): number {
  return failure.errorCode === 'FLAG_NOT_FOUND' ? 404 : 400;
}

export function isFailure(result: OfrepSuccess | OfrepFailure): result is OfrepFailure {
  return 'errorCode' in result;
}
