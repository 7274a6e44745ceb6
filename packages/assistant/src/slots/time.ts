import type { TimeGrain } from '../semantic/catalog.js';
import { addUnits, dayNumber, isoDate, parseIsoDate, startOf, unitsSpanned } from './calendar.js';
import { COUNT, parseCount, type Scan } from './scan.js';

/** A half-open range of calendar dates [start, end), as ISO dates. */
export interface DateRange {
  start: string;
  end: string;
}

export interface TimeSlot extends DateRange {
  /** The calendar unit the expression speaks in ("last quarter" → quarter, "last 30 days" → day). */
  grain: TimeGrain;
  /** The words that were read, normalised. */
  text: string;
}

interface DayRange {
  start: number;
  end: number;
  grain: TimeGrain;
}

const GRAIN_ORDER: TimeGrain[] = ['day', 'week', 'month', 'quarter', 'year'];
const finer = (a: TimeGrain, b: TimeGrain) => (GRAIN_ORDER.indexOf(a) <= GRAIN_ORDER.indexOf(b) ? a : b);

const MONTH_NUMBERS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};
const MONTH =
  '(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)';
const YEAR = '(?:19|20)\\d{2}';
const ORDINAL = '(?:first|second|third|fourth|1st|2nd|3rd|4th)';
const QUARTER = `(?:q[1-4]|${ORDINAL} quarter(?: of)?)`;
const HALF = '(?:h[12]|(?:first|second) half(?: of)?)';
const ISO = '\\d{4}-\\d{2}-\\d{2}';
/** One end of a range: a date, a quarter, a half, a month (each optionally with a year) or a year. */
const ENDPOINT = `(?:${ISO}|${YEAR}[ -]?q[1-4]|${QUARTER}(?:\\s+${YEAR})?|${HALF}(?:\\s+${YEAR})?|${MONTH}(?:\\s+${YEAR})?|${YEAR}(?![ -]?q[1-4]))`;
const UNIT = '(day|week|month|quarter|year)s?';

interface Endpoint {
  grain: TimeGrain;
  year?: number;
  /** First month (1–12) of a month, quarter or half. */
  month?: number;
  months?: number;
  day?: number;
}

const ORDINALS: Record<string, number> = {
  first: 1,
  second: 2,
  third: 3,
  fourth: 4,
  '1st': 1,
  '2nd': 2,
  '3rd': 3,
  '4th': 4,
};

function parseEndpoint(text: string): Endpoint | undefined {
  const iso = parseIsoDate(text);
  if (iso !== undefined) return { grain: 'day', day: iso };
  const yearFirst = new RegExp(`^(${YEAR})[ -]?q([1-4])$`).exec(text);
  if (yearFirst) text = `q${yearFirst[2]} ${yearFirst[1]}`;
  const yearMatch = new RegExp(`(${YEAR})$`).exec(text);
  const year = yearMatch ? Number(yearMatch[1]) : undefined;
  const head = yearMatch ? text.slice(0, yearMatch.index).trim() : text;
  if (head === '') return year === undefined ? undefined : { grain: 'year', year };
  const quarter = /^q([1-4])$/.exec(head) ?? new RegExp(`^(${ORDINAL}) quarter(?: of)?$`).exec(head);
  if (quarter) {
    const q = ORDINALS[quarter[1]!] ?? Number(quarter[1]);
    return { grain: 'quarter', year, month: 3 * (q - 1) + 1, months: 3 };
  }
  const half = /^h([12])$/.exec(head) ?? /^(first|second) half(?: of)?$/.exec(head);
  if (half) {
    const h = half[1] === 'first' || half[1] === '1' ? 1 : 2;
    return { grain: 'quarter', year, month: h === 1 ? 1 : 7, months: 6 };
  }
  const month = MONTH_NUMBERS[head.slice(0, 3)];
  if (month && new RegExp(`^${MONTH}$`).test(head)) return { grain: 'month', year, month, months: 1 };
  return undefined;
}

/** Resolves an endpoint; without a year it is the most recent such period that has begun by today. */
function resolveEndpoint(point: Endpoint, today: number, year?: number): DayRange {
  if (point.day !== undefined) return { start: point.day, end: point.day + 1, grain: 'day' };
  if (point.month === undefined) {
    const start = dayNumber({ year: point.year!, month: 1, day: 1 });
    return { start, end: addUnits(start, 'year', 1), grain: 'year' };
  }
  const todayYear = Number(isoDate(today).slice(0, 4));
  let y = point.year ?? year ?? todayYear;
  let start = dayNumber({ year: y, month: point.month, day: 1 });
  if (point.year === undefined && year === undefined && start > today) {
    y -= 1;
    start = dayNumber({ year: y, month: point.month, day: 1 });
  }
  return { start, end: addUnits(start, 'month', point.months!), grain: point.grain };
}

function range(from: Endpoint, to: Endpoint, today: number): DayRange | undefined {
  // A missing year is taken from the other end ("from Jan to Mar 2025"), stepping back a year when
  // the range would otherwise run backwards ("from November to February 2025").
  let end: DayRange;
  let start: DayRange;
  if (to.year === undefined && from.year !== undefined) {
    start = resolveEndpoint(from, today);
    end = resolveEndpoint(to, today, from.year);
    if (end.end <= start.start) end = resolveEndpoint(to, today, from.year + 1);
  } else {
    end = resolveEndpoint(to, today);
    const endYear = Number(isoDate(end.start).slice(0, 4));
    start = resolveEndpoint(from, today, from.year ?? endYear);
    if (from.year === undefined && start.start >= end.end) start = resolveEndpoint(from, today, endYear - 1);
  }
  if (start.start >= end.end) return undefined;
  return { start: start.start, end: end.end, grain: finer(start.grain, end.grain) };
}

type Resolver = (match: RegExpExecArray, today: number) => DayRange | undefined;

const current = (today: number, grain: TimeGrain): DayRange => ({
  start: startOf(today, grain),
  end: today + 1,
  grain,
});
const previous = (today: number, grain: TimeGrain, count = 1): DayRange => {
  const end = startOf(today, grain);
  return { start: addUnits(end, grain, -count), end, grain };
};

/**
 * Time expressions in priority order: the first rule that matches anywhere wins, so explicit
 * ranges beat their parts and "last 12 months" beats "last month". Current periods run to the end
 * of today (to date); "last N units" are the N complete units before the current one.
 */
const RULES: [RegExp, Resolver][] = [
  [
    new RegExp(
      `\\b(?:from|between)\\s+(${ENDPOINT})\\s+(?:to|through|thru|until|till|and)\\s+(${ENDPOINT})\\b`,
    ),
    (m, today) => endpoints(m, today),
  ],
  [
    new RegExp(`\\b(${ENDPOINT})\\s*(?:-|–|to|through)\\s*(${ENDPOINT})\\b`),
    (m, today) => endpoints(m, today),
  ],
  [
    new RegExp(`\\bsince\\s+(?:the\\s+(?:start|beginning)\\s+of\\s+)?(${ENDPOINT})\\b`),
    (m, today) => {
      const point = parseEndpoint(m[1]!);
      if (!point) return undefined;
      const from = resolveEndpoint(point, today);
      return from.start <= today ? { start: from.start, end: today + 1, grain: from.grain } : undefined;
    },
  ],
  [/\b(?:ytd|year[ -]to[ -]date|so far this year|this year so far)\b/, (_, today) => current(today, 'year')],
  [/\b(?:qtd|quarter[ -]to[ -]date|so far this quarter)\b/, (_, today) => current(today, 'quarter')],
  [/\b(?:mtd|month[ -]to[ -]date|so far this month)\b/, (_, today) => current(today, 'month')],
  [/\b(?:wtd|week[ -]to[ -]date|so far this week)\b/, (_, today) => current(today, 'week')],
  [/\b(?:ttm|ltm|trailing twelve months)\b/, (_, today) => previous(today, 'month', 12)],
  [
    new RegExp(`\\b(?:last|past|previous|prior|trailing)\\s+${COUNT}\\s+${UNIT}\\b`),
    (m, today) => {
      const count = parseCount(m[1]!);
      return count > 0 && count <= 1000 ? previous(today, m[2] as TimeGrain, count) : undefined;
    },
  ],
  [
    new RegExp(`\\b(${YEAR}[ -]?q[1-4]|(?:${QUARTER}|${HALF})(?:\\s+(?:of\\s+)?${YEAR})?)\\b`),
    (m, today) => {
      const point = parseEndpoint(m[1]!.replace(/\s+of\s+/, ' '));
      return point && resolveEndpoint(point, today);
    },
  ],
  [
    new RegExp(`\\b(${MONTH})\\s+(?:of\\s+)?(${YEAR})\\b`),
    (m, today) => {
      const point = parseEndpoint(`${m[1]} ${m[2]}`);
      return point && resolveEndpoint(point, today);
    },
  ],
  [/\b(?:this|current)\s+(day|week|month|quarter|year)\b/, (m, today) => current(today, m[1] as TimeGrain)],
  [
    /\b(?:last|previous|prior|past)\s+(week|month|quarter|year)\b/,
    (m, today) => previous(today, m[1] as TimeGrain),
  ],
  [/\btoday\b/, (_, today) => ({ start: today, end: today + 1, grain: 'day' })],
  [/\byesterday\b/, (_, today) => ({ start: today - 1, end: today, grain: 'day' })],
  // A bare month needs a preposition ("in may"), so "may I see" is not May.
  [
    new RegExp(
      `\\b(?:in|during|for|of)\\s+(${MONTH})\\b|\\b(january|february|march|april|june|july|august|september|october|november|december)\\b`,
    ),
    (m, today) => {
      const point = parseEndpoint(m[1] ?? m[2]!);
      return point && resolveEndpoint(point, today);
    },
  ],
  [
    new RegExp(`\\b(${YEAR})\\b`),
    (m, today) => resolveEndpoint({ grain: 'year', year: Number(m[1]) }, today),
  ],
];

function endpoints(match: RegExpExecArray, today: number): DayRange | undefined {
  const from = parseEndpoint(match[1]!);
  const to = parseEndpoint(match[2]!);
  return from && to ? range(from, to, today) : undefined;
}

/** Reads the first time expression in what is left of the question and consumes it. */
export function takeTime(scan: Scan, today: number): TimeSlot | undefined {
  for (const [pattern, resolve] of RULES) {
    const match = scan.find(pattern);
    if (!match) continue;
    const resolved = resolve(match, today);
    if (!resolved) continue;
    scan.consume(match.index, match.index + match[0].length);
    return { ...toIso(resolved), grain: resolved.grain, text: match[0].trim() };
  }
  return undefined;
}

export function toIso(range: { start: number; end: number }): DateRange {
  return { start: isoDate(range.start), end: isoDate(range.end) };
}

export function toDays(range: DateRange): { start: number; end: number } {
  return { start: parseIsoDate(range.start)!, end: parseIsoDate(range.end)! };
}

/** The range shifted back by its own length in grain units: Q3 → Q2, this month to date → last month to the same day. */
export function previousPeriod(range: DateRange, grain: TimeGrain): DateRange {
  const { start, end } = toDays(range);
  const units = unitsSpanned(start, end, grain);
  return toIso({ start: addUnits(start, grain, -units), end: addUnits(end, grain, -units) });
}

/** The same dates one year earlier. */
export function samePeriodLastYear(range: DateRange): DateRange {
  const { start, end } = toDays(range);
  return toIso({ start: addUnits(start, 'year', -1), end: addUnits(end, 'year', -1) });
}
