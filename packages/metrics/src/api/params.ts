/** Parsing of Prometheus HTTP API parameters (times, durations, matchers), with its error texts. */
import type { Matcher } from '../index/matchers.js';
import { parseDuration } from '../promql/lexical.js';
import { parseExpr } from '../promql/parse.js';
import { QueryError } from '../promql/value.js';

export type Params = Record<string, string | string[] | undefined>;

/** Prometheus's minimum and maximum representable times, the defaults for open ranges. */
export const MIN_TIME = -9_223_372_036_854; // ms, as Prometheus's math.MinInt64 / 1e6
export const MAX_TIME = 9_223_372_036_854;

export function param(params: Params, name: string): string | undefined {
  const v = params[name];
  return Array.isArray(v) ? v[v.length - 1] : v;
}

export function paramList(params: Params, name: string): string[] {
  const v = params[name];
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

function bad(name: string, message: string): QueryError {
  return new QueryError('bad_data', `invalid parameter ${JSON.stringify(name)}: ${message}`);
}

/** Unix seconds (float) or RFC 3339 → ms. */
export function parseTimeParam(params: Params, name: string, fallback: number): number {
  const raw = param(params, name);
  if (raw === undefined || raw === '') return fallback;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.round(seconds * 1000);
  if (/^\d{4}-\d{2}-\d{2}T/.test(raw)) {
    const ms = Date.parse(raw);
    if (Number.isFinite(ms)) return ms;
  }
  throw bad(name, `cannot parse ${JSON.stringify(raw)} to a valid timestamp`);
}

/** Float seconds or a PromQL duration → ms. */
export function parseDurationParam(params: Params, name: string): number | undefined {
  const raw = param(params, name);
  if (raw === undefined || raw === '') return undefined;
  const seconds = Number(raw);
  if (Number.isFinite(seconds)) return Math.round(seconds * 1000);
  const d = parseDuration(raw);
  if (d !== undefined) return d;
  throw bad(name, `cannot parse ${JSON.stringify(raw)} to a valid duration`);
}

/** `match[]` selectors, each must be a plain vector selector. */
export function parseMatchers(params: Params): Matcher[][] {
  return paramList(params, 'match[]').map((text) => {
    let expr: ReturnType<typeof parseExpr>;
    try {
      expr = parseExpr(text);
    } catch (error) {
      throw bad('match[]', (error as Error).message);
    }
    if (expr.kind !== 'VectorSelector')
      throw bad('match[]', `${JSON.stringify(text)} is not a series selector`);
    return expr.matchers;
  });
}
