/**
 * Alertmanager's configuration file (the subset Parley's notifier implements), parsed from YAML and
 * validated completely at load: every error names the file, the line, the path in the document
 * and the reason, and an unknown key or an unsupported Alertmanager feature is an error rather
 * than silently ignored, so a file that loads here means what it says.
 */
import { LineCounter, parseDocument, stringify } from 'yaml';
import { parseDuration } from '../promql/lexical.js';
import { LABEL_NAME } from './fingerprint.js';
import { type Matcher, MatcherSyntaxError, parseMatcher, parseMatchers, sortMatchers } from './matchers.js';

export interface AlertmanagerConfig {
  global: { resolveTimeoutMs: number };
  route: RouteConfig;
  inhibitRules: InhibitRuleConfig[];
  receivers: ReceiverConfig[];
  /** The file as loaded, credentials replaced by `<secret>` (served by `GET /api/v2/status`). */
  original?: string;
}

export interface RouteConfig {
  /** Inherited from the parent when absent (the root must have one). */
  receiver?: string;
  /** Label names, or 'all' for `group_by: ['...']` (every label: one group per alert). */
  groupBy?: string[] | 'all';
  groupWaitMs?: number;
  groupIntervalMs?: number;
  repeatIntervalMs?: number;
  matchers: Matcher[];
  continue: boolean;
  routes: RouteConfig[];
}

export interface InhibitRuleConfig {
  sourceMatchers: Matcher[];
  targetMatchers: Matcher[];
  equal: string[];
}

export interface ReceiverConfig {
  name: string;
  webhookConfigs: WebhookConfig[];
}

export interface WebhookConfig {
  url: string;
  sendResolved: boolean;
  /** At most this many alerts per message, the rest counted in `truncatedAlerts`; 0 = all. */
  maxAlerts: number;
  /** Per attempt; a timed-out attempt is retried like a 5xx. */
  timeoutMs: number;
  /** Authorization header value (`Bearer …` or `Basic …`), from `http_config`. */
  authorization?: string;
}

/** Alertmanager's defaults. */
export const DEFAULTS = {
  resolveTimeoutMs: 5 * 60_000,
  groupWaitMs: 30_000,
  groupIntervalMs: 5 * 60_000,
  repeatIntervalMs: 4 * 3_600_000,
  webhookTimeoutMs: 10_000,
};

export class AlertmanagerConfigError extends Error {
  override name = 'AlertmanagerConfigError';
  constructor(
    readonly file: string,
    readonly path: string,
    readonly reason: string,
    readonly line?: number,
  ) {
    super(`${file}${line === undefined ? '' : `:${line}`}: ${path ? `${path}: ` : ''}${reason}`);
  }
}

type Path = (string | number)[];
type Fail = (path: Path, reason: string) => never;

const UNSUPPORTED: Record<string, string> = {
  templates: 'templates are not supported (webhook payloads are not templated)',
  time_intervals: 'time intervals are not supported',
  mute_time_intervals: 'time intervals are not supported',
  tracing: 'tracing is not supported',
};

/** Parses and validates an Alertmanager YAML file; `file` names it in errors. */
export function parseAlertmanagerConfig(text: string, file: string): AlertmanagerConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    const error = doc.errors[0]!;
    throw new AlertmanagerConfigError(
      file,
      '',
      error.message.split('\n')[0]!,
      lineCounter.linePos(error.pos[0]).line,
    );
  }
  const fail: Fail = (path, reason) => {
    // Point at the deepest node that exists on the path.
    let line: number | undefined;
    for (let n = path.length; n >= 0 && line === undefined; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      if (node && typeof node === 'object' && node.range) line = lineCounter.linePos(node.range[0]).line;
    }
    throw new AlertmanagerConfigError(file, pathString(path), reason, line);
  };
  const root = doc.toJS({ maxAliasCount: 100 }) as unknown;
  if (root === null || root === undefined) fail([], 'the file is empty');
  return { ...validateConfig(root, fail), original: stringify(redact(root)) };
}

const SECRET_KEYS = new Set(['credentials', 'password']);

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, SECRET_KEYS.has(k) ? '<secret>' : redact(v)]),
  );
}

function pathString(path: Path): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? p : `.${p}`)).join('');
}

function validateConfig(raw: unknown, fail: Fail): AlertmanagerConfig {
  const top = object(raw, [], fail, [
    'global',
    'route',
    'inhibit_rules',
    'receivers',
    ...Object.keys(UNSUPPORTED),
  ]);
  for (const key of Object.keys(UNSUPPORTED)) if (top[key] !== undefined) fail([key], UNSUPPORTED[key]!);

  const global = top.global === undefined ? {} : object(top.global, ['global'], fail, ['resolve_timeout']);
  const resolveTimeoutMs =
    global.resolve_timeout === undefined
      ? DEFAULTS.resolveTimeoutMs
      : duration(global.resolve_timeout, ['global', 'resolve_timeout'], fail, true);

  if (top.receivers === undefined) fail(['receivers'], 'at least one receiver is required');
  const receivers = list(top.receivers, ['receivers'], fail).map((r, i) =>
    receiver(r, ['receivers', i], fail),
  );
  const names = new Set<string>();
  receivers.forEach((r, i) => {
    if (names.has(r.name))
      fail(['receivers', i, 'name'], `notification config name "${r.name}" is not unique`);
    names.add(r.name);
  });

  if (top.route === undefined) fail(['route'], 'no route provided in config');
  const route = routeConfig(top.route, ['route'], fail, true);
  checkReceivers(route, ['route'], names, fail);

  const inhibitRules =
    top.inhibit_rules === undefined
      ? []
      : list(top.inhibit_rules, ['inhibit_rules'], fail).map((r, i) =>
          inhibitRule(r, ['inhibit_rules', i], fail),
        );

  return { global: { resolveTimeoutMs }, route, inhibitRules, receivers };
}

const ROUTE_KEYS = [
  'receiver',
  'group_by',
  'group_wait',
  'group_interval',
  'repeat_interval',
  'matchers',
  'match',
  'match_re',
  'continue',
  'routes',
  'mute_time_intervals',
  'active_time_intervals',
];

function routeConfig(raw: unknown, path: Path, fail: Fail, isRoot: boolean): RouteConfig {
  const r = object(raw, path, fail, ROUTE_KEYS);
  for (const key of ['mute_time_intervals', 'active_time_intervals'])
    if (r[key] !== undefined) fail([...path, key], 'time intervals are not supported');
  const matchers: Matcher[] = [];
  if (r.matchers !== undefined)
    list(r.matchers, [...path, 'matchers'], fail).forEach((m, i) => {
      matchers.push(...matchersOf(m, [...path, 'matchers', i], fail));
    });
  // The deprecated forms, still common in the wild.
  for (const [key, type] of [
    ['match', '='],
    ['match_re', '=~'],
  ] as const)
    if (r[key] !== undefined)
      for (const [name, value] of Object.entries(object(r[key], [...path, key], fail))) {
        if (!LABEL_NAME.test(name)) fail([...path, key, name], `invalid label name "${name}"`);
        if (typeof value !== 'string') fail([...path, key, name], 'must be a string');
        try {
          matchers.push(parseMatcher(`${name}${type}${JSON.stringify(value)}`));
        } catch (error) {
          fail([...path, key, name], (error as Error).message);
        }
      }
  const out: RouteConfig = {
    matchers: sortMatchers(matchers),
    continue: r.continue === undefined ? false : bool(r.continue, [...path, 'continue'], fail),
    routes: [],
  };
  if (isRoot) {
    if (r.receiver === undefined) fail([...path, 'receiver'], 'root route must specify a default receiver');
    if (matchers.length > 0) fail([...path, 'matchers'], 'root route must not have any matchers');
    if (out.continue) fail([...path, 'continue'], 'cannot have continue in root route');
  }
  if (r.receiver !== undefined) out.receiver = string(r.receiver, [...path, 'receiver'], fail);
  if (r.group_by !== undefined) {
    const labels = list(r.group_by, [...path, 'group_by'], fail).map((l, i) =>
      string(l, [...path, 'group_by', i], fail),
    );
    if (labels.includes('...')) {
      if (labels.length > 1)
        fail(
          [...path, 'group_by'],
          "cannot have wildcard group_by ('...') and other labels at the same time",
        );
      out.groupBy = 'all';
    } else {
      const seen = new Set<string>();
      labels.forEach((l, i) => {
        if (!LABEL_NAME.test(l)) fail([...path, 'group_by', i], `invalid label name "${l}" in group_by list`);
        if (seen.has(l)) fail([...path, 'group_by', i], `duplicated label "${l}" in group_by`);
        seen.add(l);
      });
      out.groupBy = labels;
    }
  }
  if (r.group_wait !== undefined)
    out.groupWaitMs = duration(r.group_wait, [...path, 'group_wait'], fail, false);
  for (const [key, field] of [
    ['group_interval', 'groupIntervalMs'],
    ['repeat_interval', 'repeatIntervalMs'],
  ] as const)
    if (r[key] !== undefined) out[field] = duration(r[key], [...path, key], fail, true, key);
  if (r.routes !== undefined)
    out.routes = list(r.routes, [...path, 'routes'], fail).map((c, i) =>
      routeConfig(c, [...path, 'routes', i], fail, false),
    );
  return out;
}

function checkReceivers(route: RouteConfig, path: Path, names: Set<string>, fail: Fail): void {
  if (route.receiver !== undefined && !names.has(route.receiver))
    fail([...path, 'receiver'], `undefined receiver "${route.receiver}" used in route`);
  route.routes.forEach((child, i) => {
    checkReceivers(child, [...path, 'routes', i], names, fail);
  });
}

const RECEIVER_KEYS = ['name', 'webhook_configs'];
const OTHER_INTEGRATIONS = [
  'email_configs',
  'pagerduty_configs',
  'slack_configs',
  'opsgenie_configs',
  'pushover_configs',
  'victorops_configs',
  'wechat_configs',
  'telegram_configs',
  'sns_configs',
  'discord_configs',
  'webex_configs',
  'msteams_configs',
  'msteamsv2_configs',
  'jira_configs',
  'rocketchat_configs',
  'incidentio_configs',
];

function receiver(raw: unknown, path: Path, fail: Fail): ReceiverConfig {
  const r = object(raw, path, fail, [...RECEIVER_KEYS, ...OTHER_INTEGRATIONS]);
  for (const key of OTHER_INTEGRATIONS)
    if (r[key] !== undefined)
      fail([...path, key], "not supported by Parley's notifier: use webhook_configs (e.g. through a bridge)");
  if (r.name === undefined) fail([...path, 'name'], 'missing name in receiver');
  const name = string(r.name, [...path, 'name'], fail);
  if (name === '') fail([...path, 'name'], 'missing name in receiver');
  const webhookConfigs =
    r.webhook_configs === undefined
      ? []
      : list(r.webhook_configs, [...path, 'webhook_configs'], fail).map((w, i) =>
          webhook(w, [...path, 'webhook_configs', i], fail),
        );
  return { name, webhookConfigs };
}

function webhook(raw: unknown, path: Path, fail: Fail): WebhookConfig {
  const w = object(raw, path, fail, [
    'url',
    'url_file',
    'send_resolved',
    'max_alerts',
    'timeout',
    'http_config',
  ]);
  if (w.url_file !== undefined) fail([...path, 'url_file'], 'url_file is not supported: give url');
  if (w.url === undefined) fail([...path, 'url'], 'one of url or url_file must be configured');
  const url = string(w.url, [...path, 'url'], fail);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    fail([...path, 'url'], `invalid URL ${JSON.stringify(url)}`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    fail(
      [...path, 'url'],
      `unsupported scheme "${parsed.protocol.slice(0, -1)}" for URL (only http and https)`,
    );
  if (parsed.username || parsed.password)
    fail([...path, 'url'], 'credentials in the URL are not allowed: use http_config');
  const out: WebhookConfig = {
    url,
    sendResolved:
      w.send_resolved === undefined ? true : bool(w.send_resolved, [...path, 'send_resolved'], fail),
    maxAlerts: 0,
    timeoutMs:
      w.timeout === undefined
        ? DEFAULTS.webhookTimeoutMs
        : duration(w.timeout, [...path, 'timeout'], fail, true),
  };
  if (w.max_alerts !== undefined) {
    if (typeof w.max_alerts !== 'number' || !Number.isInteger(w.max_alerts) || w.max_alerts < 0)
      fail([...path, 'max_alerts'], 'must be a non-negative integer');
    out.maxAlerts = w.max_alerts;
  }
  if (w.http_config !== undefined) {
    const authorization = httpAuthorization(w.http_config, [...path, 'http_config'], fail);
    if (authorization !== undefined) out.authorization = authorization;
  }
  return out;
}

function httpAuthorization(raw: unknown, path: Path, fail: Fail): string | undefined {
  const h = object(raw, path, fail, ['authorization', 'basic_auth']);
  if (h.authorization !== undefined && h.basic_auth !== undefined)
    fail(path, 'at most one of basic_auth and authorization must be configured');
  if (h.authorization !== undefined) {
    const a = object(h.authorization, [...path, 'authorization'], fail, ['type', 'credentials']);
    const type = a.type === undefined ? 'Bearer' : string(a.type, [...path, 'authorization', 'type'], fail);
    if (a.credentials === undefined)
      fail([...path, 'authorization', 'credentials'], 'credentials are required');
    const credentials = string(a.credentials, [...path, 'authorization', 'credentials'], fail);
    if (/[\r\n]/.test(type + credentials)) fail([...path, 'authorization'], 'must not contain line breaks');
    return `${type} ${credentials}`;
  }
  if (h.basic_auth !== undefined) {
    const b = object(h.basic_auth, [...path, 'basic_auth'], fail, ['username', 'password']);
    const username =
      b.username === undefined ? '' : string(b.username, [...path, 'basic_auth', 'username'], fail);
    const password =
      b.password === undefined ? '' : string(b.password, [...path, 'basic_auth', 'password'], fail);
    return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
  }
  return undefined;
}

function inhibitRule(raw: unknown, path: Path, fail: Fail): InhibitRuleConfig {
  const r = object(raw, path, fail, [
    'source_matchers',
    'target_matchers',
    'equal',
    'source_match',
    'source_match_re',
    'target_match',
    'target_match_re',
  ]);
  const side = (key: 'source' | 'target'): Matcher[] => {
    const out: Matcher[] = [];
    const k = `${key}_matchers`;
    if (r[k] !== undefined)
      list(r[k], [...path, k], fail).forEach((m, i) => {
        out.push(...matchersOf(m, [...path, k, i], fail));
      });
    for (const [suffix, type] of [
      ['match', '='],
      ['match_re', '=~'],
    ] as const) {
      const old = `${key}_${suffix}`;
      if (r[old] !== undefined)
        for (const [name, value] of Object.entries(object(r[old], [...path, old], fail))) {
          if (typeof value !== 'string') fail([...path, old, name], 'must be a string');
          out.push(matchersOf(`${name}${type}${JSON.stringify(value)}`, [...path, old, name], fail)[0]!);
        }
    }
    return out;
  };
  const sourceMatchers = side('source');
  const targetMatchers = side('target');
  // Alertmanager accepts empty sides, which inhibit everything; that is never what anyone means.
  if (sourceMatchers.length === 0)
    fail([...path, 'source_matchers'], 'at least one source matcher is required');
  if (targetMatchers.length === 0)
    fail([...path, 'target_matchers'], 'at least one target matcher is required');
  const equal =
    r.equal === undefined
      ? []
      : list(r.equal, [...path, 'equal'], fail).map((l, i) => {
          const name = string(l, [...path, 'equal', i], fail);
          if (!LABEL_NAME.test(name)) fail([...path, 'equal', i], `invalid label name "${name}"`);
          return name;
        });
  return { sourceMatchers, targetMatchers, equal };
}

function matchersOf(raw: unknown, path: Path, fail: Fail): Matcher[] {
  const text = string(raw, path, fail);
  try {
    return parseMatchers(text);
  } catch (error) {
    if (error instanceof MatcherSyntaxError) fail(path, error.message);
    throw error;
  }
}

function object(raw: unknown, path: Path, fail: Fail, allowed?: readonly string[]): Record<string, unknown> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) fail(path, 'must be a mapping');
  const o = raw as Record<string, unknown>;
  if (allowed)
    for (const key of Object.keys(o)) if (!allowed.includes(key)) fail([...path, key], 'unknown field');
  return o;
}

function list(raw: unknown, path: Path, fail: Fail): unknown[] {
  if (!Array.isArray(raw)) fail(path, 'must be a list');
  return raw;
}

function string(raw: unknown, path: Path, fail: Fail): string {
  if (typeof raw !== 'string') fail(path, 'must be a string');
  return raw;
}

function bool(raw: unknown, path: Path, fail: Fail): boolean {
  if (typeof raw !== 'boolean') fail(path, 'must be true or false');
  return raw;
}

function duration(raw: unknown, path: Path, fail: Fail, positive: boolean, name?: string): number {
  if (typeof raw !== 'string') fail(path, 'must be a duration such as 30s, 5m or 4h');
  const ms = parseDuration(raw);
  if (ms === undefined) fail(path, `not a valid duration string: ${JSON.stringify(raw)}`);
  if (positive && ms === 0) fail(path, `${name ?? 'duration'} cannot be zero`);
  return ms;
}
