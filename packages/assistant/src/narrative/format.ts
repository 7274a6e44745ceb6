import { METRICS, type MetricName, type TimeGrain } from '../semantic/catalog.js';
import { addUnits, civil, parseIsoDate, startOf } from '../slots/calendar.js';
import type { DateRange } from '../slots/time.js';

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function dayLabel(day: number): string {
  const d = civil(day);
  return `${MONTHS[d.month - 1]} ${d.day}, ${d.year}`;
}

/** A period by its first day and grain: "Mar 10, 2025", "week of Mar 10, 2025", "Mar 2025", "Q1 2025", "2025". */
export function formatPeriod(period: string, grain: TimeGrain): string {
  const day = parseIsoDate(period);
  if (day === undefined) return period;
  const d = civil(day);
  switch (grain) {
    case 'day':
      return dayLabel(day);
    case 'week':
      return `the week of ${dayLabel(day)}`;
    case 'month':
      return `${MONTHS[d.month - 1]} ${d.year}`;
    case 'quarter':
      return `Q${Math.floor((d.month - 1) / 3) + 1} ${d.year}`;
    case 'year':
      return String(d.year);
  }
}

/** A range: one whole grain unit by its name, otherwise its first and last day. */
export function formatRange(range: DateRange, grain: TimeGrain): string {
  const start = parseIsoDate(range.start)!;
  const end = parseIsoDate(range.end)!;
  if (startOf(start, grain) === start && addUnits(start, grain, 1) === end) {
    return formatPeriod(range.start, grain);
  }
  return `${dayLabel(start)} to ${dayLabel(end - 1)}`;
}

/** Metric values with three significant digits: "$1.23M", "45.6K", "950". */
export function formatValue(metric: MetricName, value: number, currency = 'USD'): string {
  const unit = METRICS[metric].unit;
  if (unit === 'percent') return formatPercent(value);
  const options: Intl.NumberFormatOptions = { notation: 'compact', maximumSignificantDigits: 3 };
  if (unit === 'currency') Object.assign(options, { style: 'currency', currency });
  return new Intl.NumberFormat('en-US', options).format(value);
}

/** A ratio as a percentage with one decimal: 0.1234 → "12.3%". */
export function formatPercent(ratio: number): string {
  return `${(Math.abs(ratio) * 100).toFixed(1)}%`;
}
