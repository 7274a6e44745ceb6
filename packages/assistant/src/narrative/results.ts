import type { DimensionName, MetricName, TimeGrain } from '../semantic/catalog.js';
import type { DateRange } from '../slots/time.js';

/** One point of a time series: the period's first day (ISO date) and the metric's value. */
export interface SeriesPoint {
  period: string;
  value: number;
}

export interface BreakdownRow {
  /** The dimension member, e.g. "EMEA". */
  member: string;
  value: number;
  /** The member's value in the comparison range, when one was computed. */
  previous?: number;
}

/** Results computed for a plan: what the narrative and the charts are written from. */
export interface AnalysisResult {
  metric: MetricName;
  range: DateRange;
  /** The grain the range was asked in (labels "Q3 2025" rather than "Jul 1 – Sep 30, 2025"). */
  grain: TimeGrain;
  total: number;
  comparison?: { kind: 'previous_period' | 'previous_year' | 'explicit'; range: DateRange; total: number };
  series?: { grain: TimeGrain; points: SeriesPoint[] };
  breakdown?: { dimension: DimensionName; rows: BreakdownRow[] };
  /** ISO 4217 code for currency metrics; USD when absent. */
  currency?: string;
}
