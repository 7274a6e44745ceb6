import { murmur3 } from '../hash/murmur3.js';

/** Unleash's seed for variant selection; strategy rollouts use seed 0. */
export const UNLEASH_VARIANT_SEED = 86028157;

/**
 * Unleash's normalised bucket: `murmur3("<groupId>:<id>", seed) % normalizer + 1`, in 1..normalizer.
 * Percentage rollouts use normalizer 100 and seed 0, so a user in bucket b is in every rollout of
 * b % or more: raising a rollout only ever adds users.
 */
export function normalizedValue(id: string, groupId: string, normalizer = 100, seed = 0): number {
  return (murmur3(`${groupId}:${id}`, seed) % normalizer) + 1;
}

/**
 * flagd's `fractional` position in [0, 1]: murmur3 (seed 0) of the bucketing string read as a
 * signed 32-bit integer, its absolute value divided by 2^31 - 1 (flagd's Go evaluator).
 */
export function flagdRatio(bucketingValue: string): number {
  return Math.abs(murmur3(bucketingValue) | 0) / 2147483647;
}
