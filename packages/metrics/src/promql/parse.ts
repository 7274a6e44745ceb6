/**
 * PromQL parser: `@prometheus-io/lezer-promql` (the grammar Prometheus's own UI uses) produces a
 * concrete syntax tree; this module turns it into our AST, checks types and modifiers the way
 * Prometheus's parser does, and reports errors with their position.
 */

import type { SyntaxNode } from '@lezer/common';
import { parser } from '@prometheus-io/lezer-promql';
import { Matcher, MatcherError, type MatchType } from '../index/matchers.js';
import { isValidLabelName, METRIC_NAME } from '../labels.js';
import type {
  AggregateOp,
  AtModifier,
  BinaryOp,
  Cardinality,
  Expr,
  Span,
  ValueType,
  VectorMatching,
  VectorSelector,
} from './ast.js';
import { isComparison, isSetOp, typeOf } from './ast.js';
import { FUNCTIONS } from './functions.js';
import { parseDuration, parseNumber, unquoteString } from './lexical.js';

export class ParseError extends Error {
  override name = 'ParseError';
  readonly line: number;
  readonly column: number;

  constructor(
    readonly detail: string,
    readonly span: Span,
    input: string,
  ) {
    const before = input.slice(0, span.start);
    const line = before.split('\n').length;
    const column = span.start - before.lastIndexOf('\n');
    super(`${line}:${column}: parse error: ${detail}`);
    this.line = line;
    this.column = column;
  }
}

const BINARY_OPS: Record<string, BinaryOp> = {
  Pow: '^',
  Mul: '*',
  Div: '/',
  Mod: '%',
  Atan2: 'atan2',
  Add: '+',
  Sub: '-',
  Eql: '==',
  Neq: '!=',
  Gte: '>=',
  Gtr: '>',
  Lte: '<=',
  Lss: '<',
  And: 'and',
  Or: 'or',
  Unless: 'unless',
};

const MATCH_OPS: Record<string, MatchType> = { EqlSingle: '=', Neq: '!=', EqlRegex: '=~', NeqRegex: '!~' };

const EXPR_NODES = new Set([
  'AggregateExpr',
  'BinaryExpr',
  'FunctionCall',
  'MatrixSelector',
  'NumberDurationLiteral',
  'OffsetExpr',
  'AnchoredExpr',
  'SmoothedExpr',
  'ParenExpr',
  'StringLiteral',
  'SubqueryExpr',
  'UnaryExpr',
  'VectorSelector',
  'StepInvariantExpr',
]);

export function returnTypeOf(func: string): ValueType {
  return FUNCTIONS[func]?.returns ?? 'vector';
}

export function exprType(expr: Expr): ValueType {
  return typeOf(expr, returnTypeOf);
}

const TYPE_NAMES: Record<ValueType, string> = {
  scalar: 'scalar',
  vector: 'instant vector',
  matrix: 'range vector',
  string: 'string',
};

/** Parses a PromQL expression; throws ParseError with the position of the first problem. */
export function parseExpr(input: string): Expr {
  if (input.trim() === '') throw new ParseError('no expression found in input', { start: 0, end: 0 }, input);
  const tree = parser.parse(input);
  let errorAt: number | undefined;
  tree.iterate({
    enter: (node) => {
      if (errorAt === undefined && node.type.isError) errorAt = node.from;
      return errorAt === undefined;
    },
  });
  if (errorAt !== undefined) {
    const rest = input.slice(errorAt).trimStart();
    const at = input.length - rest.length;
    const detail =
      rest === ''
        ? 'unexpected end of input'
        : `unexpected ${JSON.stringify(rest.split(/\s/)[0]!.slice(0, 20))}`;
    throw new ParseError(detail, { start: at, end: at }, input);
  }
  const top = tree.topNode.firstChild;
  if (!top) throw new ParseError('no expression found in input', { start: 0, end: 0 }, input);
  return new Converter(input).expr(top);
}

class Converter {
  constructor(private readonly input: string) {}

  private text(node: SyntaxNode): string {
    return this.input.slice(node.from, node.to);
  }

  private fail(node: SyntaxNode | Span, detail: string): never {
    const span = 'from' in node ? { start: node.from, end: node.to } : node;
    throw new ParseError(detail, span, this.input);
  }

  private span(node: SyntaxNode): Span {
    return { start: node.from, end: node.to };
  }

  private exprChildren(node: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) if (EXPR_NODES.has(c.type.name)) out.push(c);
    return out;
  }

  expr(node: SyntaxNode): Expr {
    switch (node.type.name) {
      case 'NumberDurationLiteral': {
        const value = parseNumber(this.text(node).replace(/\s+/g, ''));
        if (value === undefined)
          this.fail(node, `bad number or duration syntax: ${JSON.stringify(this.text(node))}`);
        return { kind: 'NumberLiteral', value, span: this.span(node) };
      }
      case 'StringLiteral':
        return { kind: 'StringLiteral', value: this.string(node), span: this.span(node) };
      case 'ParenExpr':
        return { kind: 'ParenExpr', expr: this.expr(this.exprChildren(node)[0]!), span: this.span(node) };
      case 'UnaryExpr':
        return this.unary(node);
      case 'VectorSelector':
        return this.vectorSelector(node);
      case 'MatrixSelector':
        return this.matrixSelector(node);
      case 'SubqueryExpr':
        return this.subquery(node);
      case 'OffsetExpr':
        return this.offset(node);
      case 'StepInvariantExpr':
        return this.at(node);
      case 'FunctionCall':
        return this.call(node);
      case 'AggregateExpr':
        return this.aggregate(node);
      case 'BinaryExpr':
        return this.binary(node);
      default:
        return this.fail(node, `unsupported expression ${JSON.stringify(this.text(node))}`);
    }
  }

  private string(node: SyntaxNode): string {
    try {
      return unquoteString(this.text(node));
    } catch (error) {
      return this.fail(node, (error as Error).message);
    }
  }

  private unary(node: SyntaxNode): Expr {
    const op = this.text(node.getChild('UnaryOp')!) as '-' | '+';
    const inner = this.expr(this.exprChildren(node)[0]!);
    const type = exprType(inner);
    if (type !== 'scalar' && type !== 'vector')
      this.fail(
        node,
        `unary expression only allowed on expressions of type scalar or instant vector, got ${TYPE_NAMES[type]}`,
      );
    return { kind: 'UnaryExpr', op, expr: inner, span: this.span(node) };
  }

  private vectorSelector(node: SyntaxNode): VectorSelector {
    const ident = node.getChild('Identifier');
    const name = ident ? this.text(ident) : undefined;
    const matchers: Matcher[] = [];
    if (name !== undefined) matchers.push(new Matcher('=', METRIC_NAME, name));
    const list = node.getChild('LabelMatchers');
    let quotedName: string | undefined;
    if (list) {
      for (let c = list.firstChild; c; c = c.nextSibling) {
        if (c.type.name === 'QuotedLabelName') {
          if (name !== undefined || quotedName !== undefined)
            this.fail(c, 'metric name must not be set twice');
          quotedName = this.string(c.firstChild!);
          matchers.push(new Matcher('=', METRIC_NAME, quotedName));
        } else if (c.type.name === 'UnquotedLabelMatcher' || c.type.name === 'QuotedLabelMatcher') {
          matchers.push(this.matcher(c));
        }
      }
    }
    const metric = name ?? quotedName;
    if (name !== undefined && matchers.some((m, i) => i > 0 && m.name === METRIC_NAME))
      this.fail(node, `metric name must not be set twice: ${JSON.stringify(name)}`);
    if (!matchers.some((m) => !m.matches('')))
      this.fail(node, 'vector selector must contain at least one non-empty matcher');
    return {
      kind: 'VectorSelector',
      name: metric,
      matchers,
      offset: 0,
      at: undefined,
      span: this.span(node),
    };
  }

  private matcher(node: SyntaxNode): Matcher {
    const first = node.firstChild!;
    const labelName = first.type.name === 'LabelName' ? this.text(first) : this.string(first.firstChild!);
    const opNode = node.getChild('MatchOp')!.firstChild!;
    const value = this.string(node.getChild('StringLiteral')!);
    try {
      return new Matcher(MATCH_OPS[opNode.type.name]!, labelName, value);
    } catch (error) {
      if (error instanceof MatcherError) this.fail(node, error.message);
      throw error;
    }
  }

  private duration(node: SyntaxNode): number {
    const ms = this.durationExpr(node);
    if (!Number.isFinite(ms)) this.fail(node, `invalid duration ${JSON.stringify(this.text(node))}`);
    return Math.round(ms);
  }

  /** Duration expressions: literals, parentheses, unary signs and arithmetic on them. */
  private durationExpr(node: SyntaxNode): number {
    const name = node.type.name;
    if (name === 'NumberDurationLiteralInDurationContext') {
      const text = this.text(node);
      const d = parseDuration(text);
      if (d !== undefined) return d;
      const n = parseNumber(text);
      if (n === undefined) this.fail(node, `bad duration syntax: ${JSON.stringify(text)}`);
      return n * 1000;
    }
    const kids: SyntaxNode[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) kids.push(c);
    if (kids.length === 1) return this.durationExpr(kids[0]!);
    const first = kids[0]!;
    if (first.type.name === 'UnaryOp') {
      const v = this.durationExpr(kids[1]!);
      return this.text(first) === '-' ? -v : v;
    }
    if (first.type.name === '(') return this.durationExpr(kids[1]!);
    if (kids.length === 3 && BINARY_OPS[kids[1]!.type.name]) {
      const a = this.durationExpr(kids[0]!);
      const b = this.durationExpr(kids[2]!);
      switch (kids[1]!.type.name) {
        case 'Add':
          return a + b;
        case 'Sub':
          return a - b;
        case 'Mul':
          return (a * b) / 1000;
        case 'Div':
          return (a / b) * 1000;
        case 'Mod':
          return a % b;
        default:
          return this.fail(node, `unsupported operator in duration ${JSON.stringify(this.text(node))}`);
      }
    }
    return this.fail(node, `unsupported duration expression ${JSON.stringify(this.text(node))}`);
  }

  private matrixSelector(node: SyntaxNode): Expr {
    const inner = this.expr(this.exprChildren(node)[0]!);
    if (inner.kind !== 'VectorSelector') this.fail(node, 'ranges only allowed for vector selectors');
    if (inner.offset !== 0 || inner.at !== undefined)
      this.fail(node, 'no offset or @ modifiers allowed before range');
    const range = this.duration(node.getChild('DurationExpr')!);
    if (range <= 0)
      this.fail(node, `range must be greater than 0, got ${this.text(node.getChild('DurationExpr')!)}`);
    return { kind: 'MatrixSelector', vector: inner, range, span: this.span(node) };
  }

  private subquery(node: SyntaxNode): Expr {
    const inner = this.expr(this.exprChildren(node)[0]!);
    const type = exprType(inner);
    if (type !== 'vector')
      this.fail(node, `subquery is only allowed on instant vector, got ${TYPE_NAMES[type]} instead`);
    const durations = node.getChildren('DurationExpr');
    const range = this.duration(durations[0]!);
    const step = durations[1] ? this.duration(durations[1]) : undefined;
    if (range <= 0) this.fail(node, 'subquery range must be greater than 0');
    if (step !== undefined && step <= 0) this.fail(node, 'subquery step must be greater than 0');
    return {
      kind: 'SubqueryExpr',
      expr: inner,
      range,
      step,
      offset: 0,
      at: undefined,
      span: this.span(node),
    };
  }

  private offset(node: SyntaxNode): Expr {
    const inner = this.expr(this.exprChildren(node)[0]!);
    const offset = this.duration(node.getChild('OffsetDurationExpr')!);
    const target = modifierTarget(inner);
    if (!target)
      this.fail(
        node,
        'offset modifier must be preceded by an instant vector selector or range vector selector or a subquery',
      );
    if (target.offset !== 0) this.fail(node, 'offset may not be set multiple times');
    target.offset = offset;
    return inner;
  }

  private at(node: SyntaxNode): Expr {
    const inner = this.expr(this.exprChildren(node)[0]!);
    const target = modifierTarget(inner);
    if (!target)
      this.fail(
        node,
        '@ modifier must be preceded by an instant vector selector or range vector selector or a subquery',
      );
    if (target.at !== undefined) this.fail(node, '@ <timestamp> may not be set multiple times');
    let at: AtModifier;
    const pre = node.getChild('AtModifierPreprocessors');
    if (pre) at = pre.firstChild!.type.name === 'AtStart' ? 'start' : 'end';
    else {
      const literal = node.getChild('NumberDurationLiteral')!;
      const seconds = parseNumber(this.text(literal));
      if (seconds === undefined || !Number.isFinite(seconds))
        this.fail(literal, `timestamp out of bounds for @ modifier: ${this.text(literal)}`);
      at = Math.round(seconds * 1000);
    }
    target.at = at;
    return inner;
  }

  private call(node: SyntaxNode): Expr {
    const nameNode = node.getChild('FunctionIdentifier')!;
    const func = this.text(nameNode);
    const sig = FUNCTIONS[func];
    if (!sig) this.fail(nameNode, `unknown function with name ${JSON.stringify(func)}`);
    const args = this.exprChildren(node.getChild('FunctionCallBody')!).map((c) => this.expr(c));
    const min = sig.args.length - (sig.optional ?? 0);
    const max = sig.variadic ? Number.POSITIVE_INFINITY : sig.args.length;
    if (args.length < min || args.length > max)
      this.fail(
        node,
        `expected ${sig.variadic ? 'at least ' : ''}${min === sig.args.length || sig.variadic ? min : `${min} to ${max}`} argument(s) in call to ${JSON.stringify(func)}, got ${args.length}`,
      );
    args.forEach((arg, i) => {
      const want = sig.args[Math.min(i, sig.args.length - 1)]!;
      const got = exprType(arg);
      if (got !== want)
        this.fail(
          { start: arg.span.start, end: arg.span.end },
          `expected type ${TYPE_NAMES[want]} in call to function ${JSON.stringify(func)}, got ${TYPE_NAMES[got]}`,
        );
    });
    return { kind: 'Call', func, args, span: this.span(node) };
  }

  private aggregate(node: SyntaxNode): Expr {
    const op = this.text(node.getChild('AggregateOp')!).toLowerCase() as AggregateOp;
    if (op === ('limitk' as AggregateOp) || op === ('limit_ratio' as AggregateOp))
      this.fail(node, `aggregation ${op} is not supported`);
    const modifier = node.getChild('AggregateModifier');
    const grouping = modifier ? this.groupingLabels(modifier.getChild('GroupingLabels')!) : [];
    const without = modifier?.getChild('Without') != null;
    const args = this.exprChildren(node.getChild('FunctionCallBody')!).map((c) => this.expr(c));
    const takesParam = op === 'topk' || op === 'bottomk' || op === 'quantile' || op === 'count_values';
    if (args.length !== (takesParam ? 2 : 1))
      this.fail(
        node,
        `wrong number of arguments for aggregate expression provided, expected ${takesParam ? 2 : 1}, got ${args.length}`,
      );
    const expr = args[args.length - 1]!;
    const param = takesParam ? args[0] : undefined;
    if (exprType(expr) !== 'vector')
      this.fail(
        node,
        `expected type instant vector in aggregation expression, got ${TYPE_NAMES[exprType(expr)]}`,
      );
    if (param) {
      const want: ValueType = op === 'count_values' ? 'string' : 'scalar';
      if (exprType(param) !== want)
        this.fail(
          node,
          `expected type ${TYPE_NAMES[want]} in aggregation parameter, got ${TYPE_NAMES[exprType(param)]}`,
        );
    }
    return { kind: 'AggregateExpr', op, expr, param, grouping, without, span: this.span(node) };
  }

  private groupingLabels(node: SyntaxNode): string[] {
    const out: string[] = [];
    for (let c = node.firstChild; c; c = c.nextSibling) {
      if (c.type.name === 'LabelName') out.push(this.text(c));
      else if (c.type.name === 'QuotedLabelName') out.push(this.string(c.firstChild!));
    }
    for (const name of out)
      if (!isValidLabelName(name)) this.fail(node, `invalid label name ${JSON.stringify(name)}`);
    return out;
  }

  private binary(node: SyntaxNode): Expr {
    const [lhsNode, rhsNode] = this.exprChildren(node);
    let opNode: SyntaxNode | undefined;
    for (let c = lhsNode!.nextSibling; c && c !== rhsNode; c = c.nextSibling) {
      if (c.type.name in BINARY_OPS) opNode = c;
      if (c.type.name === 'TrimUpper' || c.type.name === 'TrimLower' || c.type.name === 'FillModifier')
        this.fail(c, `unsupported operator ${JSON.stringify(this.text(c))}`);
    }
    const op = BINARY_OPS[opNode!.type.name]!;
    // lezer folds a leading minus into the literal; in PromQL `-2 ^ 2` is -(2 ^ 2).
    if (op === '^' && lhsNode!.type.name === 'NumberDurationLiteral' && /^\s*-/.test(this.text(lhsNode!))) {
      const lit = this.expr(lhsNode!) as { kind: 'NumberLiteral'; value: number; span: Span };
      const pow = this.binaryFrom(node, op, { ...lit, value: -lit.value }, this.expr(rhsNode!));
      return { kind: 'UnaryExpr', op: '-', expr: pow, span: this.span(node) };
    }
    return this.binaryFrom(node, op, this.expr(lhsNode!), this.expr(rhsNode!));
  }

  private binaryFrom(node: SyntaxNode, op: BinaryOp, lhs: Expr, rhs: Expr): Expr {
    const returnBool = node.getChild('BoolModifier') != null;
    const lt = exprType(lhs);
    const rt = exprType(rhs);
    for (const t of [lt, rt])
      if (t !== 'scalar' && t !== 'vector')
        this.fail(node, `binary expression must contain only scalar and instant vector types`);
    if (returnBool && !isComparison(op))
      this.fail(node, 'bool modifier can only be used on comparison operators');
    if (isComparison(op) && lt === 'scalar' && rt === 'scalar' && !returnBool)
      this.fail(node, 'comparisons between scalars must use BOOL modifier');
    if (isSetOp(op) && (lt === 'scalar' || rt === 'scalar'))
      this.fail(node, `set operator ${JSON.stringify(op)} not allowed in binary scalar expression`);
    const clause = node.getChild('MatchingModifierClause');
    let matching: VectorMatching | undefined;
    if (lt === 'vector' && rt === 'vector') {
      matching = { card: isSetOp(op) ? 'many-to-many' : 'one-to-one', on: false, labels: [], include: [] };
      if (clause) {
        const groups = clause.getChildren('GroupingLabels');
        matching.on = clause.getChild('On') != null;
        matching.labels = this.groupingLabels(groups[0]!);
        const card: Cardinality | undefined = clause.getChild('GroupLeft')
          ? 'many-to-one'
          : clause.getChild('GroupRight')
            ? 'one-to-many'
            : undefined;
        if (card) {
          if (isSetOp(op)) this.fail(node, `no grouping allowed for ${JSON.stringify(op)} operation`);
          matching.card = card;
          matching.include = groups[1] ? this.groupingLabels(groups[1]) : [];
          if (matching.on) {
            const dup = matching.include.find((l) => matching!.labels.includes(l));
            if (dup)
              this.fail(node, `label ${JSON.stringify(dup)} must not occur in ON and GROUP clause at once`);
          }
        }
      }
    } else if (clause) {
      this.fail(node, 'vector matching only allowed between instant vectors');
    }
    return { kind: 'BinaryExpr', op, lhs, rhs, returnBool, matching, span: this.span(node) };
  }
}

/** The selector or subquery an `offset`/`@` modifier applies to. */
function modifierTarget(expr: Expr): { offset: number; at: AtModifier | undefined } | undefined {
  if (expr.kind === 'VectorSelector' || expr.kind === 'SubqueryExpr') return expr;
  if (expr.kind === 'MatrixSelector') return expr.vector;
  return undefined;
}
