/** Bounds on what one plan may ask for, so a question cannot become an expensive query. */
export const PLAN_LIMITS = {
  /** Largest top-N or row limit. */
  maxLimit: 100,
  /** Rows returned when a ranking gives no number ("top products"). */
  defaultTopN: 10,
  maxMetrics: 4,
  maxDimensions: 3,
  maxFilterValues: 50,
  maxValueLength: 200,
  /** Longest time range, in days (about ten years). */
  maxRangeDays: 3700,
} as const;
