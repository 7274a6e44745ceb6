import type { TimeGrain } from '../semantic/catalog.js';
import { Scan } from './scan.js';
import { type DateRange, previousPeriod, samePeriodLastYear, type TimeSlot, takeTime } from './time.js';

export type ComparisonKind = 'previous_period' | 'previous_year' | 'explicit';

export interface ComparisonSlot {
  kind: ComparisonKind;
  /** The range compared against; absent until the question's own range is known. */
  range?: DateRange;
  /** For `explicit`: the range named after "vs". */
  explicit?: TimeSlot;
  /** "month over month": the period-over-period grain, which also suggests a series by that grain. */
  grain?: TimeGrain;
  /** "vs previous quarter": the unit named after "vs", compared as a calendar unit. */
  unit?: TimeGrain;
  text: string;
}

const OVER =
  /\b(?:(year|quarter|month|week)[ -](?:over|on)[ -](?:year|quarter|month|week)|(yoy|y\/y|qoq|q\/q|mom|m\/m|w\/w))\b/;
const ABBREVIATED: Record<string, TimeGrain> = {
  yoy: 'year',
  'y/y': 'year',
  qoq: 'quarter',
  'q/q': 'quarter',
  mom: 'month',
  'm/m': 'month',

  'w/w': 'week',
};
const VERSUS = /\b(?:vs\.?|versus|compared (?:to|with)|in comparison (?:to|with)|against|relative to)\s+/;
const PREVIOUS_YEAR =
  /^(?:the\s+)?(?:same (?:period|time|quarter|month|week) (?:last|previous|prior|a) year|(?:last|previous|prior|a) year(?:'s)?)\b/;
const PREVIOUS_UNIT = /^(?:the\s+)?(?:last|previous|prior|preceding)\s+(period|week|month|quarter)\b/;

/**
 * Reads a comparison ("vs last year", "compared to previous quarter", "year over year", "vs Q2 2024")
 * and consumes it, so the words after "vs" are not taken as the question's own time range.
 */
export function takeComparison(scan: Scan, today: number): ComparisonSlot | undefined {
  const over = scan.take(OVER);
  if (over) {
    const grain = (over[1] as TimeGrain | undefined) ?? ABBREVIATED[over[2]!]!;
    return grain === 'year'
      ? { kind: 'previous_year', text: over[0] }
      : { kind: 'previous_period', grain, text: over[0] };
  }
  const versus = scan.find(VERSUS);
  if (!versus) return undefined;
  const at = versus.index + versus[0].length;
  const rest = scan.text.slice(at);
  const lastYear = PREVIOUS_YEAR.exec(rest);
  if (lastYear) {
    scan.consume(versus.index, at + lastYear[0].length);
    return { kind: 'previous_year', text: `${versus[0]}${lastYear[0]}`.trim() };
  }
  const unit = PREVIOUS_UNIT.exec(rest);
  if (unit) {
    scan.consume(versus.index, at + unit[0].length);
    const text = `${versus[0]}${unit[0]}`.trim();
    return unit[1] === 'period'
      ? { kind: 'previous_period', text }
      : { kind: 'previous_period', unit: unit[1] as TimeGrain, text };
  }
  // Anything else after "vs" must be a time expression of its own, read from that text only.
  const explicit = takeTime(Scan.ofNormalized(rest), today);
  if (!explicit || rest.indexOf(explicit.text) > 3) return undefined;
  scan.consume(versus.index, at + rest.indexOf(explicit.text) + explicit.text.length);
  return {
    kind: 'explicit',
    explicit,
    range: { start: explicit.start, end: explicit.end },
    text: `${versus[0]}${explicit.text}`,
  };
}

/**
 * The range to compare with, once the question's range is known. "vs previous quarter" on a
 * question about a month compares with that calendar quarter rather than shifting the month.
 */
export function resolveComparison(comparison: ComparisonSlot, time: TimeSlot, today: number): ComparisonSlot {
  if (comparison.kind === 'explicit') return comparison;
  if (comparison.kind === 'previous_year') return { ...comparison, range: samePeriodLastYear(time) };
  if (comparison.unit === undefined || comparison.unit === time.grain) {
    return { ...comparison, range: previousPeriod(time, time.grain) };
  }
  const named = new Scan(`last ${comparison.unit}`);
  const explicit = takeTime(named, today)!;
  return { ...comparison, kind: 'explicit', explicit, range: { start: explicit.start, end: explicit.end } };
}
