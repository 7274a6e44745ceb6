/**
 * The subset of Go's text/template that Prometheus rule labels and annotations use: output of
 * pipelines (`{{ $labels.job }}`, `{{ $value | humanize }}`, `{{ printf "%.2f" $value }}`),
 * variables, `if`/`else if`/`else`, `with`, `range`, comments and `{{-`/`-}}` trimming, with
 * Prometheus's template functions, `query` included
 * (`{{ with query "sum(up)" }}{{ . | first | value }}{{ end }}`). Templates are parsed once when a rule file loads (errors name the line),
 * and expanded for every alert.
 */
import { formatF, formatG } from './format.js';

export class TemplateError extends Error {
  override name = 'TemplateError';
}

/** What `.` and the Prometheus convenience variables (`$labels`, `$value`, ...) hold. */
export interface TemplateData {
  labels: Record<string, string>;
  externalLabels: Record<string, string>;
  externalURL: string;
  value: number;
  /** Runs an instant query at the evaluation time, for the `query` function. */
  query?(expr: string): QuerySample[];
}

/** An element of a `query` result, as Prometheus's templates see it (`.Labels`, `.Value`). */
export interface QuerySample {
  Labels: Record<string, string>;
  Value: number;
}

type Value =
  | string
  | number
  | boolean
  | Record<string, string>
  | QuerySample
  | QuerySample[]
  | TemplateData
  | undefined;

/** Where a template runs: its data (the root), the current `.`, and the variables. */
interface Scope {
  root: TemplateData;
  dot: Value;
  vars: Map<string, Value>;
}

type Operand =
  | { kind: 'var'; name: string; fields: string[] }
  | { kind: 'dot'; fields: string[] }
  | { kind: 'lit'; value: Value }
  | { kind: 'fn'; name: string }
  | { kind: 'sub'; pipeline: Pipeline };

interface Pipeline {
  declare?: string;
  commands: Operand[][];
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipeline: Pipeline; line: number }
  | { kind: 'if'; branches: { cond: Pipeline; body: Node[] }[]; otherwise: Node[]; line: number }
  | { kind: 'with' | 'range'; cond: Pipeline; body: Node[]; otherwise: Node[]; line: number };

export interface Template {
  readonly source: string;
  expand(data: TemplateData): string;
}

/** Parses a template; throws TemplateError with Go's message shape (`template: name:line: reason`). */
export function parseTemplate(name: string, source: string): Template {
  const nodes = new Parser(name, source).parse();
  return {
    source,
    expand: (data) => {
      const vars = new Map<string, Value>([
        ['$', data],
        ['$labels', data.labels],
        ['$externalLabels', data.externalLabels],
        ['$externalURL', data.externalURL],
        ['$value', data.value],
      ]);
      try {
        return run(nodes, { root: data, dot: data, vars });
      } catch (error) {
        if (error instanceof TemplateError) throw new TemplateError(`template: ${name}: ${error.message}`);
        throw error;
      }
    },
  };
}

// --- parsing -------------------------------------------------------------------------------

const TOKEN =
  /\s*(?:(\/\*[\s\S]*?\*\/)|("(?:[^"\\\n]|\\.)*")|(`[^`]*`)|(:=|=|\||\(|\))|(\$[A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)|((?:\.[A-Za-z0-9_]+)+|\.)|([-+]?(?:0x[0-9a-fA-F]+|\d+(?:\.\d*)?(?:[eE][-+]?\d+)?))|([A-Za-z_][A-Za-z0-9_]*))/y;

class Parser {
  private pos = 0;

  constructor(
    private readonly name: string,
    private readonly src: string,
  ) {}

  private fail(at: number, reason: string): never {
    const line = this.src.slice(0, at).split('\n').length;
    throw new TemplateError(`template: ${this.name}:${line}: ${reason}`);
  }

  parse(): Node[] {
    const { nodes, end } = this.list();
    if (end) this.fail(end.at, `unexpected {{${end.word}}}`);
    return nodes;
  }

  /** Nodes up to the end of input or an `else`/`end` action, which is returned. */
  private list(): { nodes: Node[]; end?: { word: string; rest: string; at: number } } {
    const nodes: Node[] = [];
    while (this.pos < this.src.length) {
      const open = this.src.indexOf('{{', this.pos);
      if (open < 0) {
        nodes.push({ kind: 'text', text: this.src.slice(this.pos) });
        this.pos = this.src.length;
        break;
      }
      let text = this.src.slice(this.pos, open);
      let inner = open + 2;
      if (/^-\s/.test(this.src.slice(inner, inner + 2))) {
        text = text.trimEnd();
        inner += 1;
      }
      if (text) nodes.push({ kind: 'text', text });
      const close = this.src.indexOf('}}', inner);
      if (close < 0) this.fail(open, 'unclosed action');
      let body = this.src.slice(inner, close);
      let after = close + 2;
      if (/\s-$/.test(body)) {
        body = body.slice(0, -1);
        const rest = this.src.slice(after);
        after += rest.length - rest.trimStart().length;
      }
      this.pos = after;
      const trimmed = body.trim();
      if (trimmed.startsWith('/*')) {
        if (!trimmed.endsWith('*/')) this.fail(open, 'unclosed comment');
        continue;
      }
      const word = /^[a-z]+/.exec(trimmed)?.[0] ?? '';
      if (word === 'else' || word === 'end')
        return { nodes, end: { word, rest: trimmed.slice(word.length).trim(), at: open } };
      if (word === 'if') nodes.push(this.ifNode(trimmed.slice(2), open));
      else if (word === 'with' || word === 'range')
        nodes.push(this.blockNode(word, trimmed.slice(word.length), open));
      else if (['define', 'template', 'block', 'break', 'continue'].includes(word))
        this.fail(open, `{{${word}}} is not supported in Parley rule templates`);
      else nodes.push({ kind: 'action', pipeline: this.pipeline(trimmed, open), line: this.line(open) });
    }
    return { nodes };
  }

  private line(at: number): number {
    return this.src.slice(0, at).split('\n').length;
  }

  private ifNode(condition: string, at: number): Node {
    const branches: { cond: Pipeline; body: Node[] }[] = [];
    let cond = this.pipeline(condition, at);
    for (;;) {
      const { nodes, end } = this.list();
      if (!end) this.fail(at, 'unexpected EOF: {{if}} without {{end}}');
      branches.push({ cond, body: nodes });
      if (end.word === 'end') return { kind: 'if', branches, otherwise: [], line: this.line(at) };
      if (end.rest.startsWith('if ')) {
        cond = this.pipeline(end.rest.slice(3), end.at);
        continue;
      }
      if (end.rest !== '') this.fail(end.at, `unexpected "${end.rest}" in else`);
      const rest = this.list();
      if (rest.end?.word !== 'end') this.fail(at, 'expected {{end}} after {{else}}');
      return { kind: 'if', branches, otherwise: rest.nodes, line: this.line(at) };
    }
  }

  /** `with` and `range`: a body, and an optional `else` for an empty value. */
  private blockNode(kind: 'with' | 'range', condition: string, at: number): Node {
    const cond = this.pipeline(condition, at);
    const { nodes, end } = this.list();
    if (!end) this.fail(at, `unexpected EOF: {{${kind}}} without {{end}}`);
    if (end.word === 'end') return { kind, cond, body: nodes, otherwise: [], line: this.line(at) };
    if (end.rest !== '') this.fail(end.at, `unexpected "${end.rest}" in else`);
    const rest = this.list();
    if (rest.end?.word !== 'end') this.fail(at, 'expected {{end}} after {{else}}');
    return { kind, cond, body: nodes, otherwise: rest.nodes, line: this.line(at) };
  }

  private tokens(text: string, at: number): string[] {
    const out: string[] = [];
    TOKEN.lastIndex = 0;
    let i = 0;
    while (i < text.length) {
      if (/^\s*$/.test(text.slice(i))) break;
      TOKEN.lastIndex = i;
      const m = TOKEN.exec(text);
      if (!m) this.fail(at, `unexpected "${text.slice(i).trim()[0]}" in command`);
      out.push(m[0].trim());
      i = TOKEN.lastIndex;
    }
    return out;
  }

  private pipeline(text: string, at: number): Pipeline {
    const tokens = this.tokens(text, at);
    if (tokens.length === 0) this.fail(at, 'missing value for command');
    let i = 0;
    const parsePipeline = (closing: boolean): Pipeline => {
      const p: Pipeline = { commands: [] };
      if (tokens[i]?.startsWith('$') && (tokens[i + 1] === ':=' || tokens[i + 1] === '=')) {
        p.declare = tokens[i];
        i += 2;
      }
      let command: Operand[] = [];
      for (; i < tokens.length; i++) {
        const tok = tokens[i]!;
        if (tok === ')') {
          if (!closing) this.fail(at, 'unexpected right paren');
          break;
        }
        if (tok === '|') {
          if (command.length === 0) this.fail(at, 'missing command before |');
          p.commands.push(command);
          command = [];
          continue;
        }
        if (tok === '(') {
          i++;
          command.push({ kind: 'sub', pipeline: parsePipeline(true) });
          if (tokens[i] !== ')') this.fail(at, 'unclosed left paren');
          continue;
        }
        command.push(this.operand(tok, at));
      }
      if (command.length === 0) this.fail(at, 'missing value for command');
      p.commands.push(command);
      return p;
    };
    const p = parsePipeline(false);
    if (i < tokens.length) this.fail(at, 'unexpected right paren');
    return p;
  }

  private operand(tok: string, at: number): Operand {
    if (tok.startsWith('/*')) this.fail(at, 'comment inside an action');
    if (tok.startsWith('"')) return { kind: 'lit', value: JSON.parse(tok) as string };
    if (tok.startsWith('`')) return { kind: 'lit', value: tok.slice(1, -1) };
    if (tok.startsWith('$')) {
      const [name, ...fields] = tok.split('.');
      return { kind: 'var', name: name!, fields };
    }
    if (tok.startsWith('.')) return { kind: 'dot', fields: tok === '.' ? [] : tok.slice(1).split('.') };
    if (/^[-+0-9]/.test(tok)) return { kind: 'lit', value: Number(tok) };
    if (tok === 'true' || tok === 'false') return { kind: 'lit', value: tok === 'true' };
    if (tok === 'nil') return { kind: 'lit', value: undefined };
    if (!(tok in FUNCTIONS)) this.fail(at, `function "${tok}" not defined`);
    return { kind: 'fn', name: tok };
  }
}

// --- evaluation ----------------------------------------------------------------------------

function run(nodes: Node[], scope: Scope): string {
  let out = '';
  for (const node of nodes) {
    if (node.kind === 'text') out += node.text;
    else if (node.kind === 'action') {
      const v = pipe(node.pipeline, scope, node.line);
      if (!node.pipeline.declare) out += print(v);
    } else if (node.kind === 'if') {
      const branch = node.branches.find((b) => truth(pipe(b.cond, scope, node.line)));
      out += run(branch ? branch.body : node.otherwise, scope);
    } else {
      const v = pipe(node.cond, scope, node.line);
      if (node.kind === 'with')
        out += truth(v) ? run(node.body, { ...scope, dot: v }) : run(node.otherwise, scope);
      else {
        const items = rangeItems(v, node.line);
        if (items.length === 0) out += run(node.otherwise, scope);
        for (const item of items) out += run(node.body, { ...scope, dot: item });
      }
    }
  }
  return out;
}

function rangeItems(v: Value, line: number): Value[] {
  if (v === undefined) return [];
  if (Array.isArray(v)) return v;
  if (typeof v === 'object') {
    const record = v as Record<string, Value>;
    return Object.keys(record)
      .sort()
      .map((k) => record[k]);
  }
  throw new TemplateError(`${line}: range can't iterate over ${print(v)}`);
}

function pipe(p: Pipeline, scope: Scope, line: number): Value {
  let value: Value;
  let piped = false;
  for (const command of p.commands) {
    const [head, ...args] = command as [Operand, ...Operand[]];
    if (head.kind === 'fn') {
      const values = args.map((a) => operand(a, scope, line));
      if (piped) values.push(value);
      try {
        value = head.name === 'query' ? runQuery(scope.root, values) : FUNCTIONS[head.name]!(...values);
      } catch (error) {
        throw new TemplateError(`${line}: error calling ${head.name}: ${(error as Error).message}`);
      }
    } else {
      if (args.length > 0 || piped) throw new TemplateError(`${line}: can't give argument to non-function`);
      value = operand(head, scope, line);
    }
    piped = true;
  }
  if (p.declare) scope.vars.set(p.declare, value);
  return value;
}

function runQuery(root: TemplateData, args: Value[]): QuerySample[] {
  if (args.length !== 1 || typeof args[0] !== 'string') throw new Error('query takes one string');
  if (!root.query) throw new Error('no query engine here');
  return root.query(args[0]);
}

const DOT_FIELDS: Record<string, keyof TemplateData> = {
  Labels: 'labels',
  ExternalLabels: 'externalLabels',
  ExternalURL: 'externalURL',
  Value: 'value',
};

function operand(o: Operand, scope: Scope, line: number): Value {
  switch (o.kind) {
    case 'lit':
      return o.value;
    case 'fn':
      return o.name === 'query' ? runQuery(scope.root, []) : FUNCTIONS[o.name]!();
    case 'sub':
      return pipe(o.pipeline, scope, line);
    case 'var': {
      if (!scope.vars.has(o.name)) throw new TemplateError(`${line}: undefined variable "${o.name}"`);
      return fields(scope.vars.get(o.name), o.fields, scope.root, line);
    }
    case 'dot':
      return fields(scope.dot, o.fields, scope.root, line);
  }
}

function fields(start: Value, names: string[], root: TemplateData, line: number): Value {
  let v = start;
  for (const name of names) {
    if (v === root) v = DOT_FIELDS[name] ? (root[DOT_FIELDS[name]] as Value) : fieldError(name, line);
    else if (typeof v === 'object' && v !== null && !Array.isArray(v))
      v = (v as Record<string, Value>)[name] ?? '';
    else throw new TemplateError(`${line}: can't evaluate field ${name} in type ${goType(v)}`);
  }
  return v;
}

function fieldError(name: string, line: number): never {
  throw new TemplateError(`${line}: can't evaluate field ${name} in type *template.tmplData`);
}

function goType(v: Value): string {
  return typeof v === 'number' ? 'float64' : typeof v === 'boolean' ? 'bool' : 'string';
}

function truth(v: Value): boolean {
  if (typeof v === 'object' && v !== null) return Object.keys(v).length > 0;
  return Boolean(v);
}

/** Go's `%v`. */
function print(v: Value): string {
  if (v === undefined) return '<no value>';
  if (typeof v === 'number') return formatG(v);
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return v;
  const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
  return `map[${entries.map(([k, x]) => `${k}:${print(x as Value)}`).join(' ')}]`;
}

// --- functions (Prometheus's template.go) --------------------------------------------------

function num(v: Value): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    const n = Number(v.trim());
    if (v.trim() === '' || Number.isNaN(n)) {
      if (/^[+-]?(nan|inf)$/i.test(v.trim())) return Number(v.trim().replace(/inf/i, 'Infinity'));
      throw new Error(`strconv.ParseFloat: parsing ${JSON.stringify(v)}: invalid syntax`);
    }
    return n;
  }
  throw new Error(`can't convert ${goType(v)} to float`);
}

function scaled(v: number, base: number, big: string[], small: string[]): string {
  if (v === 0 || !Number.isFinite(v)) return formatG(v, 4);
  let prefix = '';
  if (Math.abs(v) >= 1) {
    for (const p of big) {
      if (Math.abs(v) < base) break;
      prefix = p;
      v /= base;
    }
  } else {
    for (const p of small) {
      if (Math.abs(v) >= 1) break;
      prefix = p;
      v *= 1000;
    }
  }
  return formatG(v, 4) + prefix;
}

const SMALL = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];

function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return formatG(v, 4);
  if (v === 0) return '0s';
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const abs = Math.abs(v);
    const whole = Math.trunc(abs);
    const [s, m, h, d] = [
      whole % 60,
      Math.floor(whole / 60) % 60,
      Math.floor(whole / 3600) % 24,
      Math.floor(whole / 86400),
    ];
    if (d) return `${sign}${d}d ${h}h ${m}m ${s}s`;
    if (h) return `${sign}${h}h ${m}m ${s}s`;
    if (m) return `${sign}${m}m ${s}s`;
    return `${sign}${formatG(abs, 4)}s`;
  }
  return `${scaled(v, 1000, [], SMALL)}s`;
}

/** Go's time.Time String() in UTC: "2006-01-02 15:04:05.999999999 +0000 UTC". */
function goTime(seconds: number): string {
  const date = new Date(seconds * 1000);
  const iso = date.toISOString();
  let frac = iso.slice(19, 23).replace(/\.?0+$/, '');
  if (frac === '.') frac = '';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${frac} +0000 UTC`;
}

function printf(format: Value, ...args: Value[]): string {
  let i = 0;
  return String(format).replace(
    /%([-+ 0#]*)(\d*)(?:\.(\d+))?([a-z%])/gi,
    (whole, _flags, width, prec, verb) => {
      if (verb === '%') return '%';
      if (i >= args.length) return `%!${verb}(MISSING)`;
      const a = args[i++];
      let s: string;
      switch (verb) {
        case 'v':
        case 's':
          s = print(a);
          break;
        case 'q':
          s = JSON.stringify(print(a));
          break;
        case 'd':
          s = typeof a === 'number' && Number.isInteger(a) ? String(a) : `%!d(${goType(a)}=${print(a)})`;
          break;
        case 'f':
        case 'F':
          s =
            typeof a === 'number'
              ? formatF(a, prec === undefined ? 6 : Number(prec))
              : `%!f(${goType(a)}=${print(a)})`;
          break;
        case 'g':
          s =
            typeof a === 'number'
              ? formatG(a, prec === undefined ? -1 : Number(prec))
              : `%!g(${goType(a)}=${print(a)})`;
          break;
        case 'e':
          s =
            typeof a === 'number'
              ? a.toExponential(prec === undefined ? 6 : Number(prec)).replace(/e([+-])(\d)$/, 'e$10$2')
              : `%!e(${goType(a)}=${print(a)})`;
          break;
        default:
          return whole;
      }
      return width ? s.padStart(Number(width)) : s;
    },
  );
}

function compare(a: Value, b: Value): number {
  if (typeof a !== typeof b) throw new Error('incompatible types for comparison');
  return (a as number | string) < (b as number | string) ? -1 : a === b ? 0 : 1;
}

const FUNCTIONS: Record<string, (...args: Value[]) => Value> = {
  humanize: (v) => scaled(num(v), 1000, ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'], SMALL),
  humanize1024: (v) => {
    const n = num(v);
    return Math.abs(n) <= 1 || !Number.isFinite(n)
      ? formatG(n, 4)
      : scaled(n, 1024, ['ki', 'Mi', 'Gi', 'Ti', 'Pi', 'Ei', 'Zi', 'Yi'], []);
  },
  humanizeDuration: (v) => humanizeDuration(num(v)),
  humanizePercentage: (v) => `${formatG(num(v) * 100, 4)}%`,
  humanizeTimestamp: (v) => {
    const n = num(v);
    return Number.isFinite(n) ? goTime(n) : formatG(n, 4);
  },
  toTime: (v) => goTime(num(v)),
  printf: (format, ...args) => printf(format, ...args),
  print: (...args) => args.map(print).join(''),
  toUpper: (s) => print(s).toUpperCase(),
  toLower: (s) => print(s).toLowerCase(),
  title: (s) =>
    print(s).replace(/(^|[^\p{L}\p{N}_'])(\p{L})/gu, (_m, a: string, b: string) => a + b.toUpperCase()),
  match: (re, s) => new RegExp(String(re)).test(String(s)),
  reReplaceAll: (re, repl, s) =>
    String(s).replace(new RegExp(String(re), 'g'), String(repl).replace(/\$\{?(\w+)\}?/g, '$$$1')),
  stripPort: (s) => String(s).replace(/^\[?([^\]]*?)\]?(:\d+)?$/, '$1'),
  stripDomain: (s) => {
    const str = String(s);
    const m = /^(.*?)(:\d+)?$/.exec(str)!;
    if (/^\d+\.\d+\.\d+\.\d+$/.test(m[1]!)) return str;
    return m[1]!.split('.')[0]! + (m[2] ?? '');
  },
  safeHtml: (s) => print(s),
  len: (v) => (typeof v === 'object' && v !== null ? Object.keys(v).length : print(v).length),
  query: () => {
    throw new Error('query is evaluated by the pipeline');
  },
  first: (v) => {
    if (!Array.isArray(v) || v.length === 0) throw new Error('first() called on vector with no elements');
    return v[0];
  },
  value: (s) => (s as QuerySample).Value,
  label: (name, s) => (s as QuerySample).Labels[String(name)] ?? '',
  strvalue: (s) => (s as QuerySample).Labels.__value__ ?? '',
  sortByLabel: (name, v) =>
    [...(v as QuerySample[])].sort((a, b) => {
      const x = a.Labels[String(name)] ?? '';
      const y = b.Labels[String(name)] ?? '';
      return x < y ? -1 : x > y ? 1 : 0;
    }),
  index: (m, key) =>
    typeof m === 'object' && m !== null ? ((m as Record<string, string>)[String(key)] ?? '') : '',
  not: (v) => !truth(v),
  and: (...args) => args.find((a) => !truth(a)) ?? args[args.length - 1],
  or: (...args) => args.find((a) => truth(a)) ?? args[args.length - 1],
  eq: (a, ...bs) => bs.some((b) => compare(a, b) === 0),
  ne: (a, b) => compare(a, b) !== 0,
  lt: (a, b) => compare(a, b) < 0,
  le: (a, b) => compare(a, b) <= 0,
  gt: (a, b) => compare(a, b) > 0,
  ge: (a, b) => compare(a, b) >= 0,
};
