/**
 * Typed, validated configuration from environment variables. Each variable is declared once
 * with its parser, default and description; `loadConfig` reads them all and reports every bad
 * value at once, one line per variable naming the value and what is allowed.
 */

export interface Setting<T> {
  readonly description: string;
  readonly defaultValue: T | undefined;
  readonly secret: boolean;
  /** Human description of the accepted values, used in error messages. */
  readonly expected: string;
  parse(raw: string): T;
}

type Options<T> = { default?: T; description: string; secret?: boolean };

class InvalidValue extends Error {}

/** A setting declared without a default is optional: its value may be undefined. */
type Resolved<T, O> = O extends { default: T } ? T : T | undefined;

function setting<T, O extends Options<T>>(
  expected: string,
  parse: (raw: string) => T,
  options: O,
): Setting<Resolved<T, O>> {
  return {
    description: options.description,
    defaultValue: options.default,
    secret: options.secret ?? false,
    expected,
    parse,
  } as Setting<Resolved<T, O>>;
}

function fail(): never {
  throw new InvalidValue();
}

export const env = {
  string: <O extends Options<string> & { pattern?: RegExp; patternHint?: string }>(options: O) =>
    setting(
      options.patternHint ?? 'a non-empty string',
      (raw) => {
        if (raw === '' || (options.pattern && !options.pattern.test(raw))) fail();
        return raw;
      },
      options,
    ),
  integer: <O extends Options<number> & { min?: number; max?: number }>(options: O) => {
    const min = options.min ?? Number.MIN_SAFE_INTEGER;
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    return setting(
      `an integer from ${min} to ${max}`,
      (raw) => {
        if (!/^-?\d+$/.test(raw)) fail();
        const value = Number(raw);
        if (!Number.isSafeInteger(value) || value < min || value > max) fail();
        return value;
      },
      options,
    );
  },
  port: <O extends Options<number>>(options: O) =>
    setting(
      'a port number from 0 to 65535',
      (raw) => {
        if (!/^\d{1,5}$/.test(raw) || Number(raw) > 65535) fail();
        return Number(raw);
      },
      options,
    ),
  boolean: <O extends Options<boolean>>(options: O) =>
    setting<boolean, O>(
      'one of true, false, 1, 0, yes, no',
      (raw) => {
        const value = raw.toLowerCase();
        if (['true', '1', 'yes', 'on'].includes(value)) return true;
        if (['false', '0', 'no', 'off'].includes(value)) return false;
        return fail();
      },
      options,
    ),
  oneOf: <const T extends string, O extends Options<T>>(values: readonly T[], options: O) =>
    setting<T, O>(
      `one of ${values.join(', ')}`,
      (raw) => (values.includes(raw as T) ? (raw as T) : fail()),
      options,
    ),
  url: <O extends Options<string> & { protocols: string[] }>(options: O) =>
    setting(
      `a URL with protocol ${options.protocols.map((p) => `${p}//`).join(' or ')}`,
      (raw) => {
        let url: URL;
        try {
          url = new URL(raw);
        } catch {
          return fail();
        }
        if (!options.protocols.includes(url.protocol)) fail();
        return raw;
      },
      options,
    ),
  /** A comma-separated list, each item one of `values` (no repeats; empty means none). */
  listOf: <const T extends string, O extends Options<readonly T[]>>(values: readonly T[], options: O) =>
    setting<readonly T[], O>(
      `a comma-separated list of ${values.join(', ')}`,
      (raw) => {
        const items = raw
          .split(',')
          .map((item) => item.trim())
          .filter((item) => item !== '');
        if (items.some((item) => !values.includes(item as T)) || new Set(items).size !== items.length) fail();
        return items as T[];
      },
      options,
    ),
  /** A duration such as `500ms`, `30s`, `5m`, `2h`, `7d`; a bare number means milliseconds. */
  duration: <O extends Options<number>>(options: O) =>
    setting('a duration such as 500ms, 30s, 5m, 2h or 7d', (raw) => parseDuration(raw) ?? fail(), options),
};

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(raw: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)?$/.exec(raw.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * DURATION_UNITS[match[2] ?? 'ms']!;
  return Number.isFinite(value) ? Math.round(value) : undefined;
}

// biome-ignore lint/suspicious/noExplicitAny: settings of any value type
export type ConfigSpec = Record<string, Setting<any>>;

/** The typed result of loading a spec. */
export type ConfigOf<Spec extends ConfigSpec> = {
  readonly [K in keyof Spec]: Spec[K] extends Setting<infer T> ? T : never;
};

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig<Spec extends ConfigSpec>(
  spec: Spec,
  source: Record<string, string | undefined> = process.env,
): ConfigOf<Spec> {
  const result: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, definition] of Object.entries(spec)) {
    const raw = source[name];
    if (raw === undefined || raw === '') {
      result[name] = definition.defaultValue;
      continue;
    }
    try {
      result[name] = definition.parse(raw);
    } catch {
      const shown = definition.secret
        ? '[redacted]'
        : JSON.stringify(raw.length > 80 ? `${raw.slice(0, 80)}…` : raw);
      problems.push(`${name}=${shown} is not valid: expected ${definition.expected}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return result as ConfigOf<Spec>;
}

/** A Markdown table of the spec, so the README's configuration section is generated, not retyped. */
export function describeConfig(spec: ConfigSpec): string {
  const rows = Object.entries(spec).map(([name, s]) => {
    const def = s.defaultValue === undefined ? '—' : `\`${String(s.defaultValue)}\``;
    return `| \`${name}\` | ${def} | ${s.description} (${s.expected}) |`;
  });
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}
