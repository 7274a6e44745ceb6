import { isRecord } from '../guards.js';
import type { Clause } from '../model/clause.js';
import type { Flag, FlagType, Rule, Serve } from '../model/flag.js';
import { MAX_RULES, WEIGHT_TOTAL } from '../model/limits.js';
import { ImportIssues, type ImportResult, pointer } from './result.js';

/**
 * flagd flag definitions → Parley. Targeting (JsonLogic returning a variant name) is translated
 * into ordered rules: each `if` branch becomes rules whose clauses are the branch condition in
 * disjunctive normal form; `fractional` becomes a split hashed the way flagd hashes.
 *
 * Supported JsonLogic: if, and, or, !, ==, ===, !=, !==, <, <=, >, >= (numbers; 3-argument
 * between), in (list membership, substring), starts_with, ends_with, sem_ver (=, !=, <, <=, >, >=),
 * fractional, $ref to $evaluators, var (flat names, $flagd.timestamp, $flagd.flagKey).
 * DISABLED flags are left out: flagd answers FLAG_NOT_FOUND for them, and so does Parley.
 */
export function importFlagd(document: unknown): ImportResult {
  const issues = new ImportIssues();
  if (!isRecord(document) || !isRecord(document.flags)) {
    issues.fail('/flags', 'expected a flagd document with a flags object');
    return issues.result({ flags: [], segments: [] });
  }
  const evaluators = isRecord(document.$evaluators) ? document.$evaluators : {};
  const flags: Flag[] = [];
  for (const [key, definition] of Object.entries(document.flags)) {
    const path = `/flags/${pointer(key)}`;
    if (!isRecord(definition)) {
      issues.fail(path, 'a flag definition must be an object');
      continue;
    }
    if (definition.state === 'DISABLED') {
      issues.warn(`${path}/state`, 'disabled in flagd (evaluates to FLAG_NOT_FOUND); not imported');
      continue;
    }
    const flag = translateFlag(key, definition, evaluators, path, issues);
    if (flag) flags.push(flag);
  }
  return issues.result({ flags, segments: [] });
}

function translateFlag(
  key: string,
  definition: Record<string, unknown>,
  evaluators: Record<string, unknown>,
  path: string,
  issues: ImportIssues,
): Flag | undefined {
  if (!isRecord(definition.variants) || Object.keys(definition.variants).length === 0) {
    issues.fail(`${path}/variants`, 'a flag needs at least one variant');
    return undefined;
  }
  const names = Object.keys(definition.variants);
  const values = Object.values(definition.variants);
  const defaultVariant = definition.defaultVariant;
  if (typeof defaultVariant !== 'string' || !names.includes(defaultVariant)) {
    issues.fail(`${path}/defaultVariant`, `'${String(defaultVariant)}' is not one of the variants`);
    return undefined;
  }
  const translator = new Translator(key, names, names.indexOf(defaultVariant), evaluators, issues);
  const rules: Rule[] = [];
  let fallthrough: Serve = { variation: names.indexOf(defaultVariant) };
  const targeting = definition.targeting;
  if (targeting !== undefined && !(isRecord(targeting) && Object.keys(targeting).length === 0)) {
    const tail = translator.emit(targeting, [[]], `${path}/targeting`, rules);
    if (tail) fallthrough = tail;
  }
  if (rules.length > MAX_RULES)
    issues.fail(`${path}/targeting`, `translates to ${rules.length} rules (limit ${MAX_RULES})`);
  return {
    key,
    type: inferType(values),
    variations: names.map((name, i) => ({ name, value: values[i] })),
    on: true,
    offVariation: names.indexOf(defaultVariant),
    rules,
    fallthrough,
    ...(isRecord(definition.metadata) && typeof definition.metadata.description === 'string'
      ? { description: definition.metadata.description }
      : {}),
  };
}

function inferType(values: unknown[]): FlagType {
  if (values.every((v) => typeof v === 'boolean')) return 'boolean';
  if (values.every((v) => typeof v === 'string')) return 'string';
  if (values.every((v) => typeof v === 'number')) return 'number';
  return 'json';
}

/** Disjunctive normal form: OR over conjunctions of clauses. */
type Dnf = Clause[][];

const COMPARISONS = {
  '<': 'lessThan',
  '<=': 'lessThanOrEqual',
  '>': 'greaterThan',
  '>=': 'greaterThanOrEqual',
} as const;
const MIRRORED = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as const;
const SEMVER = {
  '=': 'semVerEqual',
  '<': 'semVerLessThan',
  '<=': 'semVerLessThanOrEqual',
  '>': 'semVerGreaterThan',
  '>=': 'semVerGreaterThanOrEqual',
} as const;
/** A DNF grows multiplicatively under AND/NOT; beyond this it is not worth translating. */
const MAX_DNF_TERMS = 256;

class Translator {
  private readonly refs: string[] = [];

  constructor(
    private readonly flagKey: string,
    private readonly variants: string[],
    private readonly defaultIndex: number,
    private readonly evaluators: Record<string, unknown>,
    private readonly issues: ImportIssues,
  ) {}

  /**
   * Appends rules serving what `expression` returns when `when` holds. Returns a serve when the
   * expression is unconditional at the top level (it then becomes the fallthrough); otherwise every
   * path is closed by a rule so later rules only see contexts this expression did not answer.
   */
  emit(expression: unknown, when: Dnf, path: string, rules: Rule[], top = true): Serve | undefined {
    const resolved = this.resolve(expression, path);
    const serve = this.terminal(resolved, path);
    if (serve) {
      if (top) return serve;
      this.push(rules, when, serve, path);
      return undefined;
    }
    if (!isRecord(resolved) || !Array.isArray(resolved.if)) {
      this.issues.fail(path, 'targeting must be a variant name, null, if, fractional or $ref');
      return undefined;
    }
    const args = resolved.if as unknown[];
    for (let i = 0; i + 1 < args.length; i += 2) {
      const condition = this.condition(args[i], `${path}/if/${i}`);
      if (!condition) return undefined;
      this.emit(args[i + 1], and(when, condition), `${path}/if/${i + 1}`, rules, false);
    }
    const hasElse = args.length % 2 === 1;
    const elsePath = hasElse ? `${path}/if/${args.length - 1}` : `${path}/if`;
    return this.emit(hasElse ? args[args.length - 1] : null, when, elsePath, rules, top);
  }

  private push(rules: Rule[], when: Dnf, serve: Serve, path: string): void {
    when.forEach((clauses, i) => {
      rules.push({
        id: `${path.split('/targeting')[1] || '/'}#${i}`.replace(/^\//, 'targeting/'),
        clauses,
        serve,
      });
    });
  }

  /** A variant name, null (the default variant), a boolean (flagd's "true"/"false" keys) or fractional. */
  private terminal(expression: unknown, path: string): Serve | undefined {
    if (expression === null || expression === undefined) return { variation: this.defaultIndex };
    if (typeof expression === 'string' || typeof expression === 'boolean') {
      const index = this.variants.indexOf(String(expression));
      if (index < 0) {
        this.issues.fail(path, `'${String(expression)}' is not a variant of this flag`);
        return { variation: this.defaultIndex };
      }
      return { variation: index };
    }
    if (isRecord(expression) && Array.isArray(expression.fractional))
      return this.fractional(expression.fractional as unknown[], `${path}/fractional`);
    return undefined;
  }

  private fractional(args: unknown[], path: string): Serve | undefined {
    let groupId = this.flagKey;
    let bucketBy = ['targetingKey'];
    let buckets = args;
    const first = args[0];
    if (!Array.isArray(first)) {
      const by = this.bucketing(first);
      if (!by) {
        this.issues.fail(
          `${path}/0`,
          'the bucketing expression must be a var or cat of a literal/$flagd.flagKey and a var',
        );
        return undefined;
      }
      ({ groupId, bucketBy } = by);
      buckets = args.slice(1);
    }
    const weighted: { variation: number; weight: number }[] = [];
    buckets.forEach((bucket, i) => {
      const at = `${path}/${i + (buckets === args ? 0 : 1)}`;
      if (!Array.isArray(bucket) || typeof bucket[0] !== 'string') {
        this.issues.fail(at, 'a bucket is [variant, weight]');
        return;
      }
      const variation = this.variants.indexOf(bucket[0]);
      const weight = bucket.length > 1 ? bucket[1] : 1;
      if (variation < 0) this.issues.fail(`${at}/0`, `'${bucket[0]}' is not a variant of this flag`);
      else if (typeof weight !== 'number' || !(weight >= 0))
        this.issues.fail(`${at}/1`, 'a weight must be a number ≥ 0');
      else weighted.push({ variation, weight });
    });
    const total = weighted.reduce((sum, w) => sum + w.weight, 0);
    if (total <= 0) {
      this.issues.fail(path, 'the weights sum to zero');
      return undefined;
    }
    return {
      split: {
        hash: 'flagd',
        groupId,
        bucketBy,
        variations: weighted.map((w) => ({
          variation: w.variation,
          weight: (w.weight * WEIGHT_TOTAL) / total,
        })),
      },
    };
  }

  /** flagd hashes `<prefix><value>`: by default the flag key and the targeting key. */
  private bucketing(expression: unknown): { groupId: string; bucketBy: string[] } | undefined {
    const variable = varName(expression);
    if (variable && !variable.startsWith('$flagd.')) return { groupId: '', bucketBy: [variable] };
    if (isRecord(expression) && Array.isArray(expression.cat) && expression.cat.length === 2) {
      const [prefix, value] = expression.cat as unknown[];
      const name = varName(value);
      const prefixText =
        varName(prefix) === '$flagd.flagKey' ? this.flagKey : typeof prefix === 'string' ? prefix : undefined;
      if (name && !name.startsWith('$flagd.') && prefixText !== undefined)
        return { groupId: prefixText, bucketBy: [name] };
    }
    return undefined;
  }

  private resolve(expression: unknown, path: string): unknown {
    if (isRecord(expression) && typeof expression.$ref === 'string') {
      const name = expression.$ref;
      if (this.refs.includes(name) || !(name in this.evaluators)) {
        this.issues.fail(
          `${path}/$ref`,
          this.refs.includes(name) ? `$ref cycle through '${name}'` : `unknown evaluator '${name}'`,
        );
        return null;
      }
      this.refs.push(name);
      const resolved = this.resolve(this.evaluators[name], path);
      this.refs.pop();
      return resolved;
    }
    return expression;
  }

  private condition(expression: unknown, path: string): Dnf | undefined {
    const e = this.resolve(expression, path);
    if (!isRecord(e) || Object.keys(e).length !== 1) return this.unsupported(path, e);
    const [op, raw] = Object.entries(e)[0]!;
    const args = Array.isArray(raw) ? raw : [raw];
    switch (op) {
      case 'and':
      case 'or': {
        let result: Dnf = op === 'and' ? [[]] : [];
        for (const [i, arg] of args.entries()) {
          if (op === 'and' && isPresenceGuard(arg, args)) continue;
          const term = this.condition(arg, `${path}/${op}/${i}`);
          if (!term) return undefined;
          result = op === 'and' ? and(result, term) : [...result, ...term];
        }
        return this.bounded(result, path);
      }
      case '!': {
        const inner = this.condition(args[0], `${path}/!`);
        return inner && this.bounded(not(inner), path);
      }
      case '==':
      case '===':
      case '!=':
      case '!==':
        return this.equality(op, args, path);
      case '<':
      case '<=':
      case '>':
      case '>=':
        return this.comparison(op, args, path);
      case 'in':
        return this.membership(args, path);
      case 'starts_with':
      case 'ends_with': {
        const attribute = varName(args[0]);
        if (!attribute || typeof args[1] !== 'string') return this.unsupported(path, e);
        return [[{ attribute, op: op === 'starts_with' ? 'startsWith' : 'endsWith', values: [args[1]] }]];
      }
      case 'sem_ver': {
        const attribute = varName(args[0]);
        const version = args[2];
        const operator = args[1] === '!=' ? '=' : (args[1] as keyof typeof SEMVER);
        if (!attribute || typeof version !== 'string' || !(operator in SEMVER))
          return this.unsupported(path, e);
        return [
          [{ attribute, op: SEMVER[operator], values: [version], ...(args[1] === '!=' && { negate: true }) }],
        ];
      }
      default:
        return this.unsupported(path, e);
    }
  }

  private equality(op: string, args: unknown[], path: string): Dnf | undefined {
    const [attribute, literal] = varAndLiteral(args);
    if (!attribute || !isScalar(literal)) return this.unsupported(path, { [op]: args });
    const negate = op.startsWith('!');
    // JsonLogic == is loose ("1" == 1); === is strict.
    const clause: Clause =
      op === '==' || op === '!='
        ? { attribute, op: 'equals', values: [literal] }
        : { attribute, op: 'in', values: [literal] };
    return [[negate ? { ...clause, negate: true } : clause]];
  }

  private comparison(op: keyof typeof COMPARISONS, args: unknown[], path: string): Dnf | undefined {
    if (args.length === 3) {
      // JsonLogic's between: a < x < b.
      const low = this.comparison(op, [args[0], args[1]], path);
      const high = this.comparison(op, [args[1], args[2]], path);
      return low && high && and(low, high);
    }
    const leftVar = varName(args[0]);
    const attribute = leftVar ?? varName(args[1]);
    const literal = leftVar ? args[1] : args[0];
    const direction = leftVar ? op : MIRRORED[op];
    if (!attribute || typeof literal !== 'number') return this.unsupported(path, { [op]: args });
    if (attribute === '$flagd.timestamp') return [[timestampClause(direction, literal)]];
    return [[{ attribute, op: COMPARISONS[direction], values: [literal] }]];
  }

  private membership(args: unknown[], path: string): Dnf | undefined {
    const [needle, haystack] = args;
    const attribute = varName(needle);
    // Membership of an empty list never holds: an empty disjunction.
    if (attribute && Array.isArray(haystack) && haystack.length === 0) return [];
    if (attribute && Array.isArray(haystack) && haystack.every(isScalar))
      return [[{ attribute, op: 'in', values: haystack as (string | number | boolean)[] }]];
    const container = varName(haystack);
    if (container && typeof needle === 'string')
      return [[{ attribute: container, op: 'contains', values: [needle] }]];
    return this.unsupported(path, { in: args });
  }

  private bounded(dnf: Dnf, path: string): Dnf | undefined {
    if (dnf.length <= MAX_DNF_TERMS) return dnf;
    this.issues.fail(path, `condition expands to ${dnf.length} alternatives (limit ${MAX_DNF_TERMS})`);
    return undefined;
  }

  private unsupported(path: string, expression: unknown): undefined {
    this.issues.fail(path, `unsupported JsonLogic: ${JSON.stringify(expression).slice(0, 200)}`);
    return undefined;
  }
}

/** $flagd.timestamp is whole seconds; Parley compares `currentTime` in milliseconds. */
function timestampClause(op: keyof typeof COMPARISONS, seconds: number): Clause {
  const ms = (s: number) => s * 1000;
  switch (op) {
    case '<':
      return { attribute: 'currentTime', op: 'before', values: [ms(Math.ceil(seconds))] };
    case '<=':
      return { attribute: 'currentTime', op: 'before', values: [ms(Math.floor(seconds) + 1)] };
    case '>':
      return { attribute: 'currentTime', op: 'after', values: [ms(Math.floor(seconds) + 1) - 1] };
    case '>=':
      return { attribute: 'currentTime', op: 'after', values: [ms(Math.ceil(seconds)) - 1] };
  }
}

function and(a: Dnf, b: Dnf): Dnf {
  return a.flatMap((x) => b.map((y) => [...x, ...y]));
}

/** De Morgan: NOT (A1 OR A2) = NOT A1 AND NOT A2, NOT (a AND b) = NOT a OR NOT b. */
function not(dnf: Dnf): Dnf {
  return dnf.reduce<Dnf>(
    (acc, conjunction) =>
      and(
        acc,
        conjunction.map((clause) => [{ ...clause, negate: !clause.negate }]),
      ),
    [[]],
  );
}

/**
 * `{"!=": [{"var": a}, null]}` next to a numeric comparison or substring test on `a` guards against
 * JsonLogic coercing a missing value (null < 5 is true). Parley's clauses are already false for a
 * missing attribute, so the guard adds nothing and is dropped.
 */
function isPresenceGuard(arg: unknown, siblings: unknown[]): boolean {
  if (!isRecord(arg) || !Array.isArray(arg['!=']) || arg['!='][1] !== null) return false;
  const attribute = varName(arg['!='][0]);
  return (
    attribute !== undefined &&
    siblings.some((s) => {
      if (!isRecord(s) || s === arg) return false;
      const [op, operands] = Object.entries(s)[0] ?? [];
      if (!Array.isArray(operands)) return false;
      if (op === 'in') return varName(operands[1]) === attribute;
      return (op === '<' || op === '<=' || op === '>' || op === '>=') && varName(operands[0]) === attribute;
    })
  );
}

function varName(expression: unknown): string | undefined {
  if (!isRecord(expression) || !('var' in expression)) return undefined;
  const name =
    Array.isArray(expression.var) && expression.var.length === 1 ? expression.var[0] : expression.var;
  return typeof name === 'string' && name !== '' ? name : undefined;
}

function varAndLiteral(args: unknown[]): [string | undefined, unknown] {
  const left = varName(args[0]);
  return left ? [left, args[1]] : [varName(args[1]), args[0]];
}

function isScalar(value: unknown): value is string | number | boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
}
