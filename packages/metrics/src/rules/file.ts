/**
 * Rule files in Prometheus's YAML format (`groups:` of alerting and recording rules), validated
 * as a whole at load: the shape with TypeBox, then what Prometheus's rulefmt checks (names,
 * durations, PromQL, templates) and more, each problem reported with its file, line, group,
 * rule and reason. A file with any problem loads nothing.
 */
import { readFileSync } from 'node:fs';
import { Type } from 'typebox';
import { Compile } from 'typebox/compile';
import { LineCounter, parseDocument } from 'yaml';
import { isValidLabelName, isValidMetricName } from '../labels.js';
import type { Expr } from '../promql/ast.js';
import { parseDuration } from '../promql/lexical.js';
import { ParseError, parseExpr } from '../promql/parse.js';
import { parseTemplate, type Template, TemplateError } from './template.js';

// Scalars are read with YAML's failsafe schema (every scalar a string), as Go's YAML decoder
// fills string fields: `severity: 1` is the label value "1", `for: 5m` the duration text.
const RuleNode = Type.Object(
  {
    record: Type.Optional(Type.String()),
    alert: Type.Optional(Type.String()),
    expr: Type.String(),
    for: Type.Optional(Type.String()),
    keep_firing_for: Type.Optional(Type.String()),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
  },
  { additionalProperties: false },
);

const GroupNode = Type.Object(
  {
    name: Type.String(),
    interval: Type.Optional(Type.String()),
    query_offset: Type.Optional(Type.String()),
    limit: Type.Optional(Type.String()),
    labels: Type.Optional(Type.Record(Type.String(), Type.String())),
    rules: Type.Array(Type.Unknown()),
  },
  { additionalProperties: false },
);

const FileNode = Type.Object({ groups: Type.Array(Type.Unknown()) }, { additionalProperties: false });

const fileSchema = Compile(FileNode);
const groupSchema = Compile(GroupNode);
const ruleSchema = Compile(RuleNode);

interface RuleCommon {
  /** The expression as written (the API's `query`). */
  query: string;
  expr: Expr;
  /** Static labels (alerting rules: templates, expanded per alert). */
  labels: Record<string, string>;
}

export interface AlertingRuleConfig extends RuleCommon {
  type: 'alerting';
  name: string;
  forMs: number;
  keepFiringForMs: number;
  annotations: Record<string, string>;
  labelTemplates: Record<string, Template>;
  annotationTemplates: Record<string, Template>;
}

export interface RecordingRuleConfig extends RuleCommon {
  type: 'recording';
  name: string;
}

export type RuleConfig = AlertingRuleConfig | RecordingRuleConfig;

export interface GroupConfig {
  file: string;
  name: string;
  /** Undefined: the manager's default evaluation interval. */
  intervalMs?: number;
  queryOffsetMs?: number;
  /** Most alerts/series a rule may produce; 0 is no limit. */
  limit: number;
  /** Labels added to every rule of the group (overridden by a rule's own). */
  labels: Record<string, string>;
  rules: RuleConfig[];
  /** Canonical text of the group, to tell an unchanged group on reload. */
  fingerprint: string;
}

/** One problem in a rule file. */
export interface RuleFileProblem {
  file: string;
  line?: number;
  group?: string;
  /** 1-based index of the rule in its group. */
  rule?: number;
  ruleName?: string;
  reason: string;
}

export class RuleFileError extends Error {
  override name = 'RuleFileError';
  constructor(readonly problems: RuleFileProblem[]) {
    super(problems.map(formatProblem).join('\n'));
  }
}

export function formatProblem(p: RuleFileProblem): string {
  let out = p.line === undefined ? p.file : `${p.file}:${p.line}`;
  if (p.group !== undefined) out += `: group ${JSON.stringify(p.group)}`;
  if (p.rule !== undefined) out += `, rule ${p.rule}`;
  if (p.ruleName) out += ` (${JSON.stringify(p.ruleName)})`;
  return `${out}: ${p.reason}`;
}

/** Reads and validates rule files; throws RuleFileError listing every problem in every file. */
export function loadRuleFiles(files: readonly string[]): GroupConfig[] {
  const groups: GroupConfig[] = [];
  const problems: RuleFileProblem[] = [];
  for (const file of files) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      problems.push({ file, reason: `cannot read rule file: ${(error as Error).message}` });
      continue;
    }
    const result = parseRuleFile(file, text);
    if ('problems' in result) problems.push(...result.problems);
    else groups.push(...result.groups);
  }
  if (problems.length > 0) throw new RuleFileError(problems);
  return groups;
}

/** Parses one file's text; `file` names it in problems and in the loaded groups. */
export function parseRuleFile(
  file: string,
  text: string,
): { groups: GroupConfig[] } | { problems: RuleFileProblem[] } {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, schema: 'failsafe', uniqueKeys: true });
  const problems: RuleFileProblem[] = [];
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => ({
        file,
        line: e.linePos?.[0].line,
        reason: e.message.split('\n')[0]!,
      })),
    };
  }
  const root: unknown = doc.toJS() ?? { groups: [] };
  const lineOf = (path: (string | number)[]): number | undefined => {
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    return node?.range ? lines.linePos(node.range[0]).line : undefined;
  };
  for (const e of schemaErrors(fileSchema.Errors(root)))
    problems.push({ file, line: lineOf(pointer(e.instancePath)), reason: schemaReason(e, 'file') });
  if (problems.length > 0) return { problems };

  const groups: GroupConfig[] = [];
  const seen = new Set<string>();
  (root as { groups: unknown[] }).groups.forEach((rawGroup, gi) => {
    const at = (...path: (string | number)[]) => lineOf(['groups', gi, ...path]);
    const groupErrors = schemaErrors(groupSchema.Errors(rawGroup));
    const groupName = (rawGroup as { name?: unknown })?.name;
    const group = typeof groupName === 'string' ? groupName : undefined;
    for (const e of groupErrors)
      problems.push({ file, line: at(...pointer(e.instancePath)), group, reason: schemaReason(e, 'group') });
    if (groupErrors.length > 0) return;
    const g = rawGroup as {
      name: string;
      interval?: string;
      query_offset?: string;
      limit?: string;
      labels?: Record<string, string>;
      rules: unknown[];
    };
    const problem = (reason: string, line = at()) => problems.push({ file, line, group: g.name, reason });
    if (g.name.trim() === '') problem('group name must not be empty');
    else if (seen.has(g.name)) problem(`group name ${JSON.stringify(g.name)} is repeated in the same file`);
    seen.add(g.name);
    const intervalMs = optionalDuration(g.interval, 'interval', problem, at('interval'), true);
    const queryOffsetMs = optionalDuration(g.query_offset, 'query_offset', problem, at('query_offset'));
    let limit = 0;
    if (g.limit !== undefined) {
      if (!/^\d+$/.test(g.limit))
        problem(`limit must be a non-negative integer, got ${JSON.stringify(g.limit)}`, at('limit'));
      else limit = Number(g.limit);
    }
    const groupLabels = g.labels ?? {};
    for (const name of Object.keys(groupLabels))
      if (!isValidLabelName(name) || name === '__name__')
        problem(`invalid label name: ${name}`, at('labels'));

    const rules: RuleConfig[] = [];
    g.rules.forEach((rawRule, ri) => {
      const name = (rawRule as { alert?: unknown; record?: unknown } | null) ?? {};
      const ruleName =
        typeof name.alert === 'string'
          ? name.alert
          : typeof name.record === 'string'
            ? name.record
            : undefined;
      const ruleProblem = (reason: string, ...path: string[]) =>
        problems.push({
          file,
          line: at('rules', ri, ...path),
          group: g.name,
          rule: ri + 1,
          ruleName,
          reason,
        });
      const errors = schemaErrors(ruleSchema.Errors(rawRule));
      for (const e of errors) ruleProblem(schemaReason(e, 'rule'), ...pointer(e.instancePath).map(String));
      if (errors.length > 0) return;
      const rule = checkRule(rawRule as RuleNodeValue, groupLabels, ruleProblem);
      if (rule) rules.push(rule);
    });
    groups.push({
      file,
      name: g.name,
      intervalMs,
      queryOffsetMs,
      limit,
      labels: groupLabels,
      rules,
      fingerprint: JSON.stringify(rawGroup),
    });
  });
  return problems.length > 0 ? { problems } : { groups };
}

interface RuleNodeValue {
  record?: string;
  alert?: string;
  expr: string;
  for?: string;
  keep_firing_for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function checkRule(
  r: RuleNodeValue,
  groupLabels: Record<string, string>,
  report: (reason: string, ...path: string[]) => void,
): RuleConfig | undefined {
  let failed = false;
  const problem = (reason: string, ...path: string[]) => {
    failed = true;
    report(reason, ...path);
  };
  if (r.record === undefined && r.alert === undefined) problem("one of 'record' or 'alert' must be set");
  if (r.record !== undefined && r.alert !== undefined) problem("only one of 'record' or 'alert' must be set");
  if (r.expr.trim() === '') problem("field 'expr' must be set in rule", 'expr');
  let expr: Expr | undefined;
  try {
    if (r.expr.trim() !== '') expr = parseExpr(r.expr);
  } catch (error) {
    if (!(error instanceof ParseError)) throw error;
    problem(`could not parse expression: ${error.message}`, 'expr');
  }
  const labels = { ...groupLabels, ...r.labels };
  for (const name of Object.keys(r.labels ?? {}))
    if (!isValidLabelName(name) || name === '__name__') problem(`invalid label name: ${name}`, 'labels');

  if (r.record !== undefined) {
    if (!isValidMetricName(r.record)) problem(`invalid recording rule name: ${r.record}`, 'record');
    if (r.annotations !== undefined) problem("invalid field 'annotations' in recording rule", 'annotations');
    if (r.for !== undefined) problem("invalid field 'for' in recording rule", 'for');
    if (r.keep_firing_for !== undefined)
      problem("invalid field 'keep_firing_for' in recording rule", 'keep_firing_for');
    if (failed || !expr) return undefined;
    return { type: 'recording', name: r.record, query: r.expr, expr, labels };
  }
  if (r.alert === undefined) return undefined;
  const name = r.alert;
  if (name.trim() === '') problem('alert name must not be empty', 'alert');
  const duration = (field: 'for' | 'keep_firing_for'): number => {
    const text = r[field];
    if (text === undefined) return 0;
    const ms = parseDuration(text);
    if (ms === undefined) problem(`invalid duration ${JSON.stringify(text)} in field '${field}'`, field);
    return ms ?? 0;
  };
  const forMs = duration('for');
  const keepFiringForMs = duration('keep_firing_for');
  const annotations = r.annotations ?? {};
  for (const n of Object.keys(annotations))
    if (!isValidLabelName(n)) problem(`invalid annotation name: ${n}`, 'annotations');
  const compile = (kind: 'labels' | 'annotations', values: Record<string, string>) => {
    const out: Record<string, Template> = {};
    for (const [key, text] of Object.entries(values)) {
      try {
        out[key] = parseTemplate(`__alert_${name}`, text);
      } catch (error) {
        if (!(error instanceof TemplateError)) throw error;
        problem(
          `${kind === 'labels' ? 'label' : 'annotation'} ${JSON.stringify(key)}: ${error.message}`,
          kind,
        );
      }
    }
    return out;
  };
  const labelTemplates = compile('labels', labels);
  const annotationTemplates = compile('annotations', annotations);
  if (failed || !expr) return undefined;
  return {
    type: 'alerting',
    name,
    query: r.expr,
    expr,
    forMs,
    keepFiringForMs,
    labels,
    annotations,
    labelTemplates,
    annotationTemplates,
  };
}

function optionalDuration(
  text: string | undefined,
  field: string,
  problem: (reason: string, line?: number) => void,
  line: number | undefined,
  positive = false,
): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) problem(`invalid duration ${JSON.stringify(text)} in field '${field}'`, line);
  else if (positive && ms === 0) problem(`${field} must be greater than 0`, line);
  return ms;
}

function pointer(instancePath: string): (string | number)[] {
  return instancePath
    .split('/')
    .slice(1)
    .map((p) => (/^\d+$/.test(p) ? Number(p) : p.replace(/~1/g, '/').replace(/~0/g, '~')));
}

interface SchemaError {
  instancePath: string;
  keyword: string;
  message: string;
  params?: unknown;
}

/** Drops the per-property `false` schema errors that repeat an additionalProperties error. */
function schemaErrors(errors: Iterable<SchemaError>): SchemaError[] {
  return [...errors].filter((e) => e.keyword !== 'boolean');
}

function schemaReason(e: SchemaError, noun: 'file' | 'group' | 'rule'): string {
  const where = e.instancePath ? `field '${pointer(e.instancePath).at(-1)}'` : noun;
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperties?: string[] } | undefined)?.additionalProperties;
    return `unknown field${extra && extra.length > 1 ? 's' : ''} ${extra?.map((x) => `'${x}'`).join(', ') ?? ''} in ${where}`;
  }
  if (e.keyword === 'required') {
    const missing = (e.params as { requiredProperties?: string[] } | undefined)?.requiredProperties;
    return `missing field ${missing?.map((x) => `'${x}'`).join(', ') ?? ''} in ${where}`;
  }
  return `${where}: ${e.message}`;
}
