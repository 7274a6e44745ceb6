/**
 * Size limits enforced at write time, so one oversized definition cannot slow every SDK that
 * downloads the ruleset or every evaluation that walks it.
 */
export const MAX_KEY_LENGTH = 256;
export const MAX_VARIATIONS = 100;
export const MAX_RULES = 500;
export const MAX_CLAUSES_PER_RULE = 50;
export const MAX_CLAUSE_VALUES = 10_000;
export const MAX_TARGET_VALUES = 10_000;
export const MAX_PREREQUISITES = 20;
export const MAX_SCHEDULED_CHANGES = 50;
export const MAX_SEGMENT_KEYS = 50_000;
export const MAX_STRING_VALUE_LENGTH = 1024;
export const MAX_REGEX_LENGTH = 1024;
/** Serialized size of one flag or one segment, in UTF-8 bytes. */
export const MAX_DEFINITION_BYTES = 512 * 1024;
export const MAX_FLAGS_PER_RULESET = 10_000;
/** Weights are in thousandths of a percent: the weights of a split sum to exactly 100 %. */
export const WEIGHT_TOTAL = 100_000;
