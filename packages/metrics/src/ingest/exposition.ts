/**
 * Parser for the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text:
 * `# HELP`, `# TYPE`, `# UNIT`, samples `name{l="v"} value [timestamp]`, `# EOF`.
 * OpenMetrics timestamps are seconds, 0.0.4 ones milliseconds. Exemplars are skipped.
 */
import { type Label, type Labels, METRIC_NAME } from '../labels.js';

export interface ParsedSample {
  labels: Labels;
  value: number;
  /** Explicit timestamp in ms, if the exposition had one. */
  timestamp: number | undefined;
}

export interface ParsedFamily {
  type: string;
  help: string;
  unit: string;
}

export interface Exposition {
  samples: ParsedSample[];
  metadata: Map<string, ParsedFamily>;
}

export class ExpositionError extends Error {
  override name = 'ExpositionError';
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL_RE = /^[a-zA-Z_][a-zA-Z0-9_]*/;

function parseFloatValue(text: string): number | undefined {
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case '+Inf':
    case 'Inf':
    case '+inf':
    case 'inf':
      return Number.POSITIVE_INFINITY;
    case '-Inf':
    case '-inf':
      return Number.NEGATIVE_INFINITY;
  }
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

function unescapeHelp(value: string): string {
  return value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
}

export function parseExposition(text: string, openMetrics: boolean): Exposition {
  const samples: ParsedSample[] = [];
  const metadata = new Map<string, ParsedFamily>();
  const family = (name: string) => {
    let f = metadata.get(name);
    if (!f) {
      f = { type: 'unknown', help: '', unit: '' };
      metadata.set(name, f);
    }
    return f;
  };
  const lines = text.split('\n');
  let sawEof = false;
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = lines[i]!.endsWith('\r') ? lines[i]!.slice(0, -1) : lines[i]!;
    if (sawEof && line.trim() !== '') throw new ExpositionError(lineNo, 'data after # EOF');
    if (line.trim() === '') continue;
    if (line.startsWith('#')) {
      const m = /^#\s+(HELP|TYPE|UNIT)\s+([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\s+(.*))?$/.exec(line);
      if (line === '# EOF') sawEof = true;
      else if (m) {
        const f = family(m[2]!);
        const rest = m[3] ?? '';
        if (m[1] === 'HELP') f.help = unescapeHelp(rest);
        else if (m[1] === 'UNIT') f.unit = rest;
        else {
          const type = rest.trim().toLowerCase();
          if (
            ![
              'counter',
              'gauge',
              'histogram',
              'summary',
              'untyped',
              'unknown',
              'info',
              'stateset',
              'gaugehistogram',
            ].includes(type)
          )
            throw new ExpositionError(lineNo, `invalid metric type ${JSON.stringify(rest)}`);
          f.type = type === 'untyped' ? 'unknown' : type;
        }
      }
      continue;
    }
    samples.push(parseSampleLine(line, lineNo, openMetrics));
  }
  if (openMetrics && !sawEof)
    throw new ExpositionError(lines.length, 'OpenMetrics exposition must end with # EOF');
  return { samples, metadata };
}

function parseSampleLine(line: string, lineNo: number, openMetrics: boolean): ParsedSample {
  const nameMatch = NAME_RE.exec(line);
  if (!nameMatch)
    throw new ExpositionError(lineNo, `invalid metric name in ${JSON.stringify(line.slice(0, 40))}`);
  const labels: Label[] = [{ name: METRIC_NAME, value: nameMatch[0] }];
  let pos = nameMatch[0].length;
  if (line[pos] === '{') {
    pos++;
    for (;;) {
      while (line[pos] === ' ') pos++;
      if (line[pos] === '}') {
        pos++;
        break;
      }
      const lm = LABEL_RE.exec(line.slice(pos));
      if (!lm) throw new ExpositionError(lineNo, `invalid label name at column ${pos + 1}`);
      pos += lm[0].length;
      while (line[pos] === ' ') pos++;
      if (line[pos] !== '=' || line[pos + 1] !== '"')
        throw new ExpositionError(lineNo, `expected ="value" after label ${lm[0]}`);
      pos += 2;
      let value = '';
      for (;;) {
        const c = line[pos];
        if (c === undefined) throw new ExpositionError(lineNo, 'unterminated label value');
        if (c === '\\') {
          const e = line[pos + 1];
          value += e === 'n' ? '\n' : e === '\\' ? '\\' : e === '"' ? '"' : `\\${e ?? ''}`;
          pos += 2;
          continue;
        }
        if (c === '"') {
          pos++;
          break;
        }
        value += c;
        pos++;
      }
      if (labels.some((l) => l.name === lm[0])) throw new ExpositionError(lineNo, `duplicate label ${lm[0]}`);
      if (value !== '') labels.push({ name: lm[0], value });
      while (line[pos] === ' ') pos++;
      if (line[pos] === ',') pos++;
      else if (line[pos] !== '}') throw new ExpositionError(lineNo, `expected , or } at column ${pos + 1}`);
    }
  }
  // Exemplars (OpenMetrics) follow " # "; they are not stored.
  const rest = line.slice(pos).split(' # ')[0]!.trim().split(/\s+/);
  if (rest.length === 0 || rest[0] === '') throw new ExpositionError(lineNo, 'missing sample value');
  if (rest.length > 2)
    throw new ExpositionError(
      lineNo,
      `unexpected text after sample: ${JSON.stringify(rest.slice(2).join(' '))}`,
    );
  const value = parseFloatValue(rest[0]!);
  if (value === undefined)
    throw new ExpositionError(lineNo, `invalid sample value ${JSON.stringify(rest[0])}`);
  let timestamp: number | undefined;
  if (rest[1] !== undefined) {
    const ts = Number(rest[1]);
    if (!Number.isFinite(ts))
      throw new ExpositionError(lineNo, `invalid timestamp ${JSON.stringify(rest[1])}`);
    timestamp = openMetrics ? Math.round(ts * 1000) : Math.round(ts);
  }
  labels.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { labels, value, timestamp };
}
