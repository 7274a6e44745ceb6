/**
 * Timestamps as Alertmanager writes them: Go's `time.Time` in JSON is RFC 3339 with the fraction's
 * trailing zeros cut (`…:05Z`, `…:05.12Z`), and a firing alert's `endsAt` in a webhook is Go's zero
 * time. Parsing is strict RFC 3339 so a typo is an error, not a surprising date.
 */
export const ZERO_TIME = '0001-01-01T00:00:00Z';

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

export function formatTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/\.(\d*?)0*Z$/, (_m, fraction: string) => (fraction ? `.${fraction}Z` : 'Z'));
}

/** RFC 3339 → ms, or undefined when `text` is not a valid RFC 3339 timestamp. */
export function parseTime(text: string): number | undefined {
  if (!RFC3339.test(text)) return undefined;
  const ms = Date.parse(text.toUpperCase());
  return Number.isFinite(ms) ? ms : undefined;
}

/** Query-string times: RFC 3339 or Unix seconds (as Prometheus's API takes them). */
export function parseTimeOrSeconds(text: string): number | undefined {
  if (/^-?\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  return parseTime(text);
}
