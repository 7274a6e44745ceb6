import type { TimeGrain } from '../semantic/catalog.js';

/**
 * Calendar arithmetic on UTC days. A day is the number of days since 1970-01-01; ranges are
 * half-open [start, end). Weeks start on Monday (ISO 8601). Tenants' time zones and fiscal
 * calendars are not modelled yet: all dates are UTC calendar dates.
 */
export interface CivilDate {
  year: number;
  /** 1–12 */
  month: number;
  day: number;
}

const MS_PER_DAY = 86_400_000;

export function dayNumber(date: CivilDate): number {
  return Date.UTC(date.year, date.month - 1, date.day) / MS_PER_DAY;
}

export function civil(day: number): CivilDate {
  const d = new Date(day * MS_PER_DAY);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function isoDate(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

export function parseIsoDate(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return undefined;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  const day = dayNumber(date);
  const back = civil(day);
  return back.month === date.month && back.day === date.day ? day : undefined;
}

export function dayFromMillis(ms: number): number {
  return Math.floor(ms / MS_PER_DAY);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** Adds calendar months, clamping the day to the target month's length (Mar 31 − 1 month = Feb 28). */
export function addMonths(day: number, months: number): number {
  const date = civil(day);
  const index = date.year * 12 + (date.month - 1) + months;
  const year = Math.floor(index / 12);
  const month = (index % 12) + 1;
  return dayNumber({ year, month, day: Math.min(date.day, daysInMonth(year, month)) });
}

const MONTHS_PER: Partial<Record<TimeGrain, number>> = { month: 1, quarter: 3, year: 12 };

/** Moves a day by `count` grain units. */
export function addUnits(day: number, grain: TimeGrain, count: number): number {
  if (grain === 'day') return day + count;
  if (grain === 'week') return day + 7 * count;
  return addMonths(day, MONTHS_PER[grain]! * count);
}

/** The first day of the grain unit containing `day`. */
export function startOf(day: number, grain: TimeGrain): number {
  if (grain === 'day') return day;
  // 1970-01-01 was a Thursday; (day + 3) mod 7 is 0 on Mondays.
  if (grain === 'week') return day - ((((day + 3) % 7) + 7) % 7);
  const date = civil(day);
  const firstMonth =
    grain === 'month' ? date.month : grain === 'quarter' ? date.month - ((date.month - 1) % 3) : 1;
  return dayNumber({ year: date.year, month: firstMonth, day: 1 });
}

/** How many grain units [start, end) touches; a partial unit counts as one. */
export function unitsSpanned(start: number, end: number, grain: TimeGrain): number {
  let count = 0;
  for (let cursor = startOf(start, grain); cursor < end; cursor = addUnits(cursor, grain, 1)) count++;
  return Math.max(count, 1);
}
