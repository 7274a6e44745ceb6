/** PromQL literals: durations, numbers and Go-style quoted strings. */

const UNIT_MS: Record<string, number> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};

const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;
const DURATION_UNITS = ['y', 'w', 'd', 'h', 'm', 's', 'ms'] as const;

/** Parses `1h30m`-style durations to ms; undefined when the text is not one. */
export function parseDuration(text: string): number | undefined {
  if (text === '') return undefined;
  const m = DURATION_RE.exec(text);
  if (!m) return undefined;
  let ms = 0;
  for (let i = 0; i < DURATION_UNITS.length; i++) {
    const part = m[i + 1];
    if (part !== undefined) ms += Number(part) * UNIT_MS[DURATION_UNITS[i]!]!;
  }
  return ms;
}

/** A number literal: decimal, hex, Inf/NaN, or a duration (its value in seconds). */
export function parseNumber(text: string): number | undefined {
  let sign = 1;
  let body = text;
  if (body.startsWith('-') || body.startsWith('+')) {
    if (body[0] === '-') sign = -1;
    body = body.slice(1).trimStart();
  }
  const lower = body.toLowerCase();
  if (lower === 'inf') return sign * Number.POSITIVE_INFINITY;
  if (lower === 'nan') return Number.NaN;
  if (/^0x[0-9a-f]+$/i.test(body)) return sign * Number.parseInt(body.slice(2), 16);
  const duration = parseDuration(body);
  if (duration !== undefined) return (sign * duration) / 1000;
  const cleaned = body.replaceAll('_', '');
  if (!/^(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(cleaned)) return undefined;
  return sign * Number(cleaned);
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
  '"': '"',
  "'": "'",
};

/** Unquotes a PromQL string literal (Go rules); throws a message on a malformed literal. */
export function unquoteString(raw: string): string {
  const quote = raw[0];
  if (raw.length < 2 || raw[raw.length - 1] !== quote) throw new Error('unterminated quoted string');
  const body = raw.slice(1, -1);
  if (quote === '`') return body;
  let out = '';
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = body[++i];
    if (e === undefined) throw new Error('invalid escape sequence at end of string');
    if (e in SIMPLE_ESCAPES) {
      if ((e === '"' || e === "'") && e !== quote) throw new Error(`invalid escape sequence \\${e}`);
      out += SIMPLE_ESCAPES[e];
    } else if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8;
      const hex = body.slice(i + 1, i + 1 + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex))
        throw new Error(`invalid escape sequence \\${e}${hex}`);
      out += String.fromCodePoint(Number.parseInt(hex, 16));
      i += len;
    } else if (e >= '0' && e <= '7') {
      const oct = body.slice(i, i + 3);
      if (!/^[0-7]{3}$/.test(oct)) throw new Error(`invalid escape sequence \\${oct}`);
      out += String.fromCharCode(Number.parseInt(oct, 8));
      i += 2;
    } else {
      throw new Error(`unknown escape sequence \\${e}`);
    }
  }
  return out;
}

/** Formats a duration in ms the way Prometheus prints it (e.g. `1h30m`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let out = ms < 0 ? '-' : '';
  let rest = Math.abs(ms);
  for (const unit of DURATION_UNITS) {
    const size = UNIT_MS[unit]!;
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}
