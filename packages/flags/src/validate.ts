import { Compile } from 'typebox/compile';
import type { TLocalizedValidationError } from 'typebox/error';
import { compileRegex, parseCidr, toNumber, toSemVer, toTime } from './evaluate/values.js';
import type { Clause, Operator } from './model/clause.js';
import { OPERATORS } from './model/clause.js';
import { Flag, type Serve, type Split } from './model/flag.js';
import { MAX_DEFINITION_BYTES, WEIGHT_TOTAL } from './model/limits.js';
import { Ruleset } from './model/ruleset.js';
import { Segment } from './model/segment.js';

/** One problem in a definition, located by a JSON Pointer (RFC 6901) into the submitted document. */
export interface ValidationIssue {
  path: string;
  message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: ValidationIssue[] };

const flagSchema = Compile(Flag);
const segmentSchema = Compile(Segment);
const rulesetSchema = Compile(Ruleset);

const NUMBER_OPS = new Set<Operator>(['lessThan', 'lessThanOrEqual', 'greaterThan', 'greaterThanOrEqual']);
const SEMVER_OPS = new Set<Operator>(OPERATORS.filter((op) => op.startsWith('semVer')));
const DATE_OPS = new Set<Operator>(['before', 'after']);

/** What validation of a flag may look up: the other flags and the segments of its environment. */
export interface ValidationScope {
  flags?: ReadonlyMap<string, Flag>;
  segments?: ReadonlyMap<string, Segment>;
}

export function validateFlag(input: unknown, scope: ValidationScope = {}): ValidationResult<Flag> {
  const issues = schemaIssues(flagSchema.Errors(input), '');
  if (issues.length > 0) return { ok: false, issues };
  const flag = input as Flag;
  checkFlag(flag, '', scope, issues);
  if (scope.flags) {
    const flags = new Map(scope.flags);
    flags.set(flag.key, flag);
    checkPrerequisiteCycles(flags, [flag.key], issues, () => '');
  }
  return issues.length ? { ok: false, issues } : { ok: true, value: flag };
}

export function validateSegment(input: unknown, scope: ValidationScope = {}): ValidationResult<Segment> {
  const issues = schemaIssues(segmentSchema.Errors(input), '');
  if (issues.length > 0) return { ok: false, issues };
  const segment = input as Segment;
  checkSegment(segment, '', scope, issues);
  return issues.length ? { ok: false, issues } : { ok: true, value: segment };
}

/** Validates a whole environment: every flag and segment plus cross-references and cycles. */
export function validateRuleset(input: unknown): ValidationResult<Ruleset> {
  const issues = schemaIssues(rulesetSchema.Errors(input), '');
  if (issues.length > 0) return { ok: false, issues };
  const ruleset = input as Ruleset;
  const flags = new Map<string, Flag>();
  const flagIndex = new Map<string, number>();
  ruleset.flags.forEach((flag, i) => {
    if (flags.has(flag.key))
      issues.push({ path: `/flags/${i}/key`, message: `duplicate flag key '${flag.key}'` });
    flags.set(flag.key, flag);
    flagIndex.set(flag.key, i);
  });
  const segments = new Map<string, Segment>();
  ruleset.segments.forEach((segment, i) => {
    if (segments.has(segment.key))
      issues.push({ path: `/segments/${i}/key`, message: `duplicate segment key '${segment.key}'` });
    segments.set(segment.key, segment);
  });
  const scope = { flags, segments };
  ruleset.flags.forEach((flag, i) => {
    checkFlag(flag, `/flags/${i}`, scope, issues);
  });
  ruleset.segments.forEach((segment, i) => {
    checkSegment(segment, `/segments/${i}`, scope, issues);
  });
  checkPrerequisiteCycles(flags, [...flags.keys()], issues, (key) => `/flags/${flagIndex.get(key)}`);
  return issues.length ? { ok: false, issues } : { ok: true, value: ruleset };
}

function checkFlag(flag: Flag, at: string, scope: ValidationScope, issues: ValidationIssue[]): void {
  const size = Buffer.byteLength(JSON.stringify(flag));
  if (size > MAX_DEFINITION_BYTES) {
    issues.push({ path: at, message: `definition is ${size} bytes; the limit is ${MAX_DEFINITION_BYTES}` });
    return;
  }
  const count = flag.variations.length;
  flag.variations.forEach((v, i) => {
    const problem = typeProblem(flag.type, v.value);
    if (problem) issues.push({ path: `${at}/variations/${i}/value`, message: problem });
  });
  const variation = (index: number, path: string) => {
    if (index >= count)
      issues.push({ path, message: `variation ${index} does not exist (the flag has ${count} variations)` });
  };
  variation(flag.offVariation, `${at}/offVariation`);
  flag.targets?.forEach((t, i) => {
    variation(t.variation, `${at}/targets/${i}/variation`);
  });
  const ruleIds = new Set<string>();
  flag.rules?.forEach((rule, i) => {
    const path = `${at}/rules/${i}`;
    if (ruleIds.has(rule.id)) issues.push({ path: `${path}/id`, message: `duplicate rule id '${rule.id}'` });
    ruleIds.add(rule.id);
    rule.clauses.forEach((c, j) => {
      checkClause(c, `${path}/clauses/${j}`, scope, issues);
    });
    checkServe(rule.serve, `${path}/serve`, variation, issues);
  });
  checkServe(flag.fallthrough, `${at}/fallthrough`, variation, issues);
  flag.prerequisites?.forEach((p, i) => {
    const path = `${at}/prerequisites/${i}`;
    if (p.key === flag.key) {
      issues.push({ path: `${path}/key`, message: 'a flag cannot be its own prerequisite' });
      return;
    }
    if (!scope.flags) return;
    const other = scope.flags.get(p.key);
    if (!other) issues.push({ path: `${path}/key`, message: `unknown flag '${p.key}'` });
    else
      p.variations.forEach((v, j) => {
        if (v >= other.variations.length)
          issues.push({ path: `${path}/variations/${j}`, message: `flag '${p.key}' has no variation ${v}` });
      });
  });
  flag.scheduledChanges?.forEach((change, i) => {
    const path = `${at}/scheduledChanges/${i}`;
    if (Number.isNaN(Date.parse(change.at))) issues.push({ path: `${path}/at`, message: 'not a date-time' });
    // A scheduled change must produce a valid flag when applied: check the merged result.
    const merged: Flag = { ...flag, ...change.set, scheduledChanges: [] };
    const nested: ValidationIssue[] = [];
    checkFlag(merged, '', scope, nested);
    for (const issue of nested)
      if (isSetPath(issue.path, change.set))
        issues.push({ path: `${path}/set${issue.path}`, message: issue.message });
  });
}

/** Only report a merged-flag issue under `set` when it lies in a field the change replaces. */
function isSetPath(path: string, set: object): boolean {
  const field = path.split('/')[1];
  return field !== undefined && field in set;
}

function checkServe(
  serve: Serve,
  at: string,
  variation: (index: number, path: string) => void,
  issues: ValidationIssue[],
): void {
  if ('variation' in serve) {
    variation(serve.variation, `${at}/variation`);
    return;
  }
  checkSplit(serve.split, `${at}/split`, variation, issues);
}

function checkSplit(
  split: Split,
  at: string,
  variation: (index: number, path: string) => void,
  issues: ValidationIssue[],
): void {
  let sum = 0;
  split.variations.forEach((w, i) => {
    variation(w.variation, `${at}/variations/${i}/variation`);
    sum += w.weight;
  });
  if (Math.abs(sum - WEIGHT_TOTAL) > 1e-6) {
    issues.push({
      path: `${at}/variations`,
      message: `weights sum to ${sum / 1000} % (${sum}); they must sum to 100 % (${WEIGHT_TOTAL})`,
    });
    return;
  }
  const resolution = split.resolution;
  if (resolution !== undefined && (split.hash ?? 'unleash') === 'unleash') {
    let cumulative = 0;
    split.variations.forEach((w, i) => {
      cumulative += w.weight;
      if (!Number.isInteger((cumulative * resolution) / WEIGHT_TOTAL))
        issues.push({
          path: `${at}/variations/${i}/weight`,
          message: `weight does not fall on a bucket boundary of resolution ${resolution}`,
        });
    });
  }
}

function checkSegment(segment: Segment, at: string, scope: ValidationScope, issues: ValidationIssue[]): void {
  const size = Buffer.byteLength(JSON.stringify(segment));
  if (size > MAX_DEFINITION_BYTES) {
    issues.push({ path: at, message: `definition is ${size} bytes; the limit is ${MAX_DEFINITION_BYTES}` });
    return;
  }
  segment.rules?.forEach((rule, i) => {
    rule.clauses.forEach((c, j) => {
      const path = `${at}/rules/${i}/clauses/${j}`;
      if (c.op === 'segmentMatch')
        issues.push({ path: `${path}/op`, message: 'segment rules cannot reference other segments' });
      else checkClause(c, path, scope, issues);
    });
  });
}

function checkClause(clause: Clause, at: string, scope: ValidationScope, issues: ValidationIssue[]): void {
  const op = clause.op;
  if (clause.values.length === 0)
    issues.push({ path: `${at}/values`, message: 'at least one value is required' });
  clause.values.forEach((value, i) => {
    const problem = operandProblem(op, value, clause.caseInsensitive ?? false, scope);
    if (problem) issues.push({ path: `${at}/values/${i}`, message: problem });
  });
}

function operandProblem(
  op: Operator,
  value: unknown,
  caseInsensitive: boolean,
  scope: ValidationScope,
): string | undefined {
  if (NUMBER_OPS.has(op)) return toNumber(value) === undefined ? `operator ${op} needs a number` : undefined;
  if (SEMVER_OPS.has(op)) return toSemVer(value) ? undefined : `operator ${op} needs a semantic version`;
  if (DATE_OPS.has(op))
    return toTime(value) === undefined
      ? `operator ${op} needs an ISO-8601 date or epoch milliseconds`
      : undefined;
  if (op === 'cidr')
    return typeof value === 'string' && parseCidr(value)
      ? undefined
      : 'not an IPv4 or IPv6 address or CIDR block';
  if (op === 'matches') {
    if (typeof value !== 'string') return 'a regular expression must be a string';
    try {
      compileRegex(value, caseInsensitive);
      return undefined;
    } catch (error) {
      return `invalid regular expression: ${(error as Error).message}`;
    }
  }
  if (op === 'segmentMatch') {
    if (typeof value !== 'string') return 'a segment key must be a string';
    if (scope.segments && !scope.segments.has(value)) return `unknown segment '${value}'`;
  }
  return undefined;
}

function typeProblem(type: Flag['type'], value: unknown): string | undefined {
  switch (type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'a boolean flag needs boolean variations';
    case 'string':
      return typeof value === 'string' ? undefined : 'a string flag needs string variations';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value)
        ? undefined
        : 'a number flag needs finite number variations';
    case 'json':
      return value === undefined ? 'a json variation needs a value' : undefined;
  }
}

/** Depth-first search over prerequisite edges; reports each cycle once, at the first flag on it. */
function checkPrerequisiteCycles(
  flags: ReadonlyMap<string, Flag>,
  roots: string[],
  issues: ValidationIssue[],
  pathOf: (key: string) => string,
): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (key: string): void => {
    const flag = flags.get(key);
    if (!flag || state.get(key) === 'done') return;
    if (state.get(key) === 'visiting') {
      const cycle = [...stack.slice(stack.indexOf(key)), key];
      const first = cycle[0]!;
      const index = flags.get(first)!.prerequisites!.findIndex((p) => p.key === cycle[1]);
      issues.push({
        path: `${pathOf(first)}/prerequisites/${index}/key`,
        message: `prerequisite cycle: ${cycle.join(' → ')}`,
      });
      return;
    }
    state.set(key, 'visiting');
    stack.push(key);
    for (const p of flag.prerequisites ?? []) if (p.key !== key) visit(p.key);
    stack.pop();
    state.set(key, 'done');
  };
  for (const root of roots) visit(root);
}

/**
 * TypeBox reports every failing branch of a union; keep only the branch that came closest (fewest
 * errors) so each problem is reported once, at its most precise path, with a readable message.
 */
function schemaIssues(errors: Iterable<TLocalizedValidationError>, prefix: string): ValidationIssue[] {
  let list = [...errors].filter((e) => e.keyword !== 'boolean');
  const unions = list
    .filter((e) => e.keyword === 'anyOf')
    .sort((a, b) => a.schemaPath.length - b.schemaPath.length);
  for (const union of unions) {
    if (!list.includes(union)) continue;
    const branchPrefix = `${union.schemaPath}/anyOf/`;
    const branches = new Map<string, TLocalizedValidationError[]>();
    for (const e of list) {
      if (!e.schemaPath.startsWith(branchPrefix)) continue;
      const branch = e.schemaPath.slice(branchPrefix.length).split('/')[0]!;
      branches.set(branch, [...(branches.get(branch) ?? []), e]);
    }
    const best = [...branches.values()].sort((a, b) => a.length - b.length)[0] ?? [];
    list = list.filter((e) => e === union || !e.schemaPath.startsWith(branchPrefix) || best.includes(e));
    if (best.length > 0) list = list.filter((e) => e !== union);
  }
  return list.map((e) => ({ path: prefix + e.instancePath, message: describe(e) }));
}

function describe(e: TLocalizedValidationError): string {
  if (e.keyword === 'additionalProperties') {
    const names = (e.params as { additionalProperties?: string[] }).additionalProperties ?? [];
    return `unknown propert${names.length === 1 ? 'y' : 'ies'}: ${names.join(', ')}`;
  }
  if (e.keyword === 'enum') {
    const allowed = (e.params as { allowedValues?: unknown[] }).allowedValues ?? [];
    const what = e.instancePath.endsWith('/op') ? 'unknown operator' : 'not an allowed value';
    return `${what}; expected one of ${allowed.join(', ')}`;
  }
  if (e.keyword === 'required') {
    const names = (e.params as { requiredProperties?: string[] }).requiredProperties ?? [];
    return names.length
      ? `missing required propert${names.length === 1 ? 'y' : 'ies'}: ${names.join(', ')}`
      : e.message;
  }
  return e.message;
}
