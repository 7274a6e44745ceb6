import type { Clock } from '@parley/kit';
import type { DimensionName, MetricName } from '../semantic/catalog.js';
import { dayFromMillis } from './calendar.js';
import { type ComparisonSlot, resolveComparison, takeComparison } from './comparison.js';
import type { Gazetteer, ValueMatch } from './gazetteer.js';
import { type TopN, takeGroupBy, takeMetrics, takeTopN, takeUnknownDimensions } from './lexicon.js';
import { Scan } from './scan.js';
import { type TimeSlot, takeTime } from './time.js';

export interface Slots {
  time?: TimeSlot;
  comparison?: ComparisonSlot;
  topN?: TopN;
  metrics: MetricName[];
  /** Dimensions to group by, in the order they were named. */
  dimensions: DimensionName[];
  /** Dimension values named in the question (filters), from the tenant's gazetteer. */
  values: ValueMatch[];
  /** Words used as dimensions that the semantic layer does not know. */
  unknownDimensions: string[];
}

export interface SlotContext {
  clock: Clock;
  /** The tenant's dimension values; without one, no values are recognised. */
  gazetteer?: Gazetteer;
}

/**
 * Reads the analytics slots of a question. Extractors run from the most specific to the most
 * general and each consumes what it understood: the comparison first (so "vs last year" is not the
 * question's time range), then time, ranking, grouping, metrics, and last the tenant's values.
 */
export function extractSlots(question: string, context: SlotContext): Slots {
  const today = dayFromMillis(context.clock.now());
  const scan = new Scan(question);
  let comparison = takeComparison(scan, today);
  const time = takeTime(scan, today);
  if (comparison && time) comparison = resolveComparison(comparison, time, today);
  const topN = takeTopN(scan);
  const dimensions = takeGroupBy(scan);
  if (topN?.dimension && !dimensions.includes(topN.dimension)) dimensions.unshift(topN.dimension);
  const metrics = takeMetrics(scan);
  const unknownDimensions = takeUnknownDimensions(scan);
  const values = context.gazetteer ? context.gazetteer.take(scan) : [];
  return {
    ...(time ? { time } : {}),
    ...(comparison ? { comparison } : {}),
    ...(topN ? { topN } : {}),
    metrics,
    dimensions,
    values,
    unknownDimensions,
  };
}
