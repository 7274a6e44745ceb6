import type { AnswerTable } from '../analytics/present.js';

/**
 * Spreadsheets run a cell that starts with one of these as a formula (OWASP "CSV injection"):
 * such text cells get a leading apostrophe, which spreadsheets show as text. Numbers are written
 * as numbers, so a negative figure stays a number.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function cell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** RFC 4180 CSV of a table: a header row, CRLF line ends, quoted where needed, formula-safe. */
export function tableCsv(table: AnswerTable): string {
  return [table.columns, ...table.rows].map((row) => `${row.map(cell).join(',')}\r\n`).join('');
}
