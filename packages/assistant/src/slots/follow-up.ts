import type { ComparisonSlot } from './comparison.js';
import type { Slots } from './extract.js';

/** How a follow-up opens: "and by region?", "what about last year", "how about Enterprise", "same for units", "only the top 5". */
const OPENER =
  /^(?:and|but|also|then|now|ok(?:ay)?|so|what about|how about|what if|same(?: thing)?(?: but| for)?|only|just|instead)\b/;
/** Longer questions say what they want on their own. */
const MAX_WORDS = 10;

/** A short question that changes part of the previous one rather than asking afresh. */
export function isFollowUp(question: string): boolean {
  const text = question
    .trim()
    .toLowerCase()
    .replace(/^[^\p{L}\p{N}]+/u, '');
  const words = text.split(/\s+/).filter((w) => w !== '').length;
  return words > 0 && words <= MAX_WORDS && OPENER.test(text);
}

/**
 * The previous question's slots with what the follow-up names instead: its time, comparison,
 * metrics, grouping or ranking replace the previous ones; its values replace the previous values
 * of the same dimension and add to the others ("and for Enterprise?" keeps the region filter).
 * A comparison kept across a new time range is re-resolved against it by the planner.
 */
export function mergeSlots(previous: Slots, next: Slots): Slots {
  const time = next.time ?? previous.time;
  let comparison: ComparisonSlot | undefined = next.comparison ?? previous.comparison;
  if (!next.comparison && next.time && comparison && comparison.kind !== 'explicit') {
    const { range: _stale, ...rest } = comparison;
    comparison = rest;
  }
  const topN = next.topN ?? (next.dimensions.length > 0 ? undefined : previous.topN);
  const named = new Set(next.values.map((v) => v.dimension));
  return {
    ...(time ? { time } : {}),
    ...(comparison ? { comparison } : {}),
    ...(topN ? { topN } : {}),
    metrics: next.metrics.length > 0 ? next.metrics : previous.metrics,
    dimensions: next.dimensions.length > 0 ? next.dimensions : previous.dimensions,
    values: [...previous.values.filter((v) => !named.has(v.dimension)), ...next.values],
    unknownDimensions: next.unknownDimensions,
  };
}
