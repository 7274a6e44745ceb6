/**
 * Alertmanager's matcher syntax, used in routes, inhibit rules, silences and API filters:
 * `name="value"`, `name!="value"`, `name=~"regex"`, `name!~"regex"`, unquoted values allowed
 * (`severity=critical`), optionally in braces and comma-separated (`{a="1", b=~"2|3"}`). Regexes
 * are anchored like Prometheus's. Matching uses the TSDB's Matcher, so both agree on semantics.
 */
import { Matcher, MatcherError, type MatchType } from '../index/matchers.js';
import type { LabelSet } from './fingerprint.js';

export { Matcher };

/** A matcher as the Alertmanager API v2 spells it (silences and their filters). */
export interface ApiMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual?: boolean;
}

const ONE = /^\s*([a-zA-Z_][a-zA-Z0-9_]*|"(?:[^"\\]|\\.)*")\s*(=~|!~|!=|=)\s*(.*?)\s*$/s;

export class MatcherSyntaxError extends Error {
  override name = 'MatcherSyntaxError';
}

function unquote(text: string): string {
  return text
    .slice(1, -1)
    .replace(/\\(["\\nt])/g, (_m, c: string) => (c === 'n' ? '\n' : c === 't' ? '\t' : c));
}

export function parseMatcher(text: string): Matcher {
  const m = ONE.exec(text);
  if (!m) throw new MatcherSyntaxError(`bad matcher format: ${text}`);
  const name = m[1]!.startsWith('"') ? unquote(m[1]!) : m[1]!;
  let value = m[3]!;
  if (value.startsWith('"')) {
    if (!/^"(?:[^"\\]|\\.)*"$/s.test(value)) throw new MatcherSyntaxError(`bad matcher value: ${text}`);
    value = unquote(value);
  } else if (/["{},]/.test(value)) {
    throw new MatcherSyntaxError(`bad matcher value ${JSON.stringify(value)}: quote it`);
  }
  if (name === '') throw new MatcherSyntaxError(`empty label name in matcher: ${text}`);
  return newMatcher(m[2] as MatchType, name, value);
}

function newMatcher(type: MatchType, name: string, value: string): Matcher {
  try {
    return new Matcher(type, name, value);
  } catch (error) {
    if (error instanceof MatcherError) throw new MatcherSyntaxError(error.message);
    throw error;
  }
}

/** One or more comma-separated matchers, optionally in braces. */
export function parseMatchers(text: string): Matcher[] {
  let body = text.trim();
  if (body.startsWith('{')) {
    if (!body.endsWith('}')) throw new MatcherSyntaxError(`missing closing "}": ${text}`);
    body = body.slice(1, -1);
  }
  const parts: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      parts.push(body.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) throw new MatcherSyntaxError(`unterminated quoted string: ${text}`);
  parts.push(body.slice(start));
  const trimmed = parts.map((p) => p.trim());
  // A trailing comma is allowed, as in PromQL selectors.
  if (trimmed.length > 1 && trimmed.at(-1) === '') trimmed.pop();
  if (trimmed.some((p) => p === '')) throw new MatcherSyntaxError(`empty matcher in: ${text}`);
  return trimmed.map(parseMatcher);
}

export function fromApiMatcher(m: ApiMatcher): Matcher {
  const equal = m.isEqual ?? true;
  const type: MatchType = m.isRegex ? (equal ? '=~' : '!~') : equal ? '=' : '!=';
  return newMatcher(type, m.name, m.value);
}

export function toApiMatcher(m: Matcher): Required<ApiMatcher> {
  return { name: m.name, value: m.value, isRegex: m.type.endsWith('~'), isEqual: !m.type.startsWith('!') };
}

/** A missing label matches as the empty value, as everywhere in Prometheus. */
export function matchesAll(matchers: readonly Matcher[], labels: LabelSet): boolean {
  for (const m of matchers) if (!m.matches(labels[m.name] ?? '')) return false;
  return true;
}

/** `name="value"` with Go-style escapes, as Alertmanager prints a matcher inside a route key. */
export function matcherString(m: Matcher): string {
  const name = /^[a-zA-Z_][a-zA-Z0-9_]*$/.test(m.name) ? m.name : JSON.stringify(m.name);
  const value = m.value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
  return `${name}${m.type}"${value}"`;
}

/** Alertmanager sorts a route's matchers by name, then value, then type. */
export function sortMatchers(matchers: Matcher[]): Matcher[] {
  const order: MatchType[] = ['=', '!=', '=~', '!~'];
  return matchers.sort(
    (a, b) => cmp(a.name, b.name) || cmp(a.value, b.value) || order.indexOf(a.type) - order.indexOf(b.type),
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
