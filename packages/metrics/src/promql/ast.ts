/**
 * PromQL abstract syntax tree: our own types, produced from the lezer parse tree in parse.ts.
 * Durations and timestamps are in milliseconds. Every node keeps its source span for errors.
 */
import type { Matcher } from '../index/matchers.js';

export type ValueType = 'scalar' | 'vector' | 'matrix' | 'string';

export interface Span {
  start: number;
  end: number;
}

/** `@ <time>` in ms, or resolved at query time to the query's start or end. */
export type AtModifier = number | 'start' | 'end';

export interface NumberLiteral {
  kind: 'NumberLiteral';
  value: number;
  span: Span;
}

export interface StringLiteral {
  kind: 'StringLiteral';
  value: string;
  span: Span;
}

export interface VectorSelector {
  kind: 'VectorSelector';
  name: string | undefined;
  matchers: Matcher[];
  offset: number;
  at: AtModifier | undefined;
  span: Span;
}

export interface MatrixSelector {
  kind: 'MatrixSelector';
  vector: VectorSelector;
  range: number;
  span: Span;
}

export interface SubqueryExpr {
  kind: 'SubqueryExpr';
  expr: Expr;
  range: number;
  /** Undefined: the engine's default evaluation interval. */
  step: number | undefined;
  offset: number;
  at: AtModifier | undefined;
  span: Span;
}

export interface Call {
  kind: 'Call';
  func: string;
  args: Expr[];
  span: Span;
}

export type AggregateOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'topk'
  | 'bottomk'
  | 'quantile'
  | 'count_values';

export interface AggregateExpr {
  kind: 'AggregateExpr';
  op: AggregateOp;
  expr: Expr;
  param: Expr | undefined;
  grouping: string[];
  without: boolean;
  span: Span;
}

export type ArithmeticOp = '+' | '-' | '*' | '/' | '%' | '^' | 'atan2';
export type ComparisonOp = '==' | '!=' | '>' | '<' | '>=' | '<=';
export type SetOp = 'and' | 'or' | 'unless';
export type BinaryOp = ArithmeticOp | ComparisonOp | SetOp;

export type Cardinality = 'one-to-one' | 'many-to-one' | 'one-to-many' | 'many-to-many';

export interface VectorMatching {
  card: Cardinality;
  /** `on(...)` when true, `ignoring(...)` (or no modifier) when false. */
  on: boolean;
  labels: string[];
  /** Labels copied from the "one" side by group_left/group_right. */
  include: string[];
}

export interface BinaryExpr {
  kind: 'BinaryExpr';
  op: BinaryOp;
  lhs: Expr;
  rhs: Expr;
  returnBool: boolean;
  /** Set when both sides are vectors. */
  matching: VectorMatching | undefined;
  span: Span;
}

export interface UnaryExpr {
  kind: 'UnaryExpr';
  op: '-' | '+';
  expr: Expr;
  span: Span;
}

export interface ParenExpr {
  kind: 'ParenExpr';
  expr: Expr;
  span: Span;
}

export type Expr =
  | NumberLiteral
  | StringLiteral
  | VectorSelector
  | MatrixSelector
  | SubqueryExpr
  | Call
  | AggregateExpr
  | BinaryExpr
  | UnaryExpr
  | ParenExpr;

export function isComparison(op: BinaryOp): op is ComparisonOp {
  return op === '==' || op === '!=' || op === '>' || op === '<' || op === '>=' || op === '<=';
}

export function isSetOp(op: BinaryOp): op is SetOp {
  return op === 'and' || op === 'or' || op === 'unless';
}

/** The type of value an expression evaluates to. */
export function typeOf(expr: Expr, returnType: (func: string) => ValueType): ValueType {
  switch (expr.kind) {
    case 'NumberLiteral':
      return 'scalar';
    case 'StringLiteral':
      return 'string';
    case 'VectorSelector':
    case 'AggregateExpr':
      return 'vector';
    case 'MatrixSelector':
    case 'SubqueryExpr':
      return 'matrix';
    case 'Call':
      return returnType(expr.func);
    case 'BinaryExpr': {
      const l = typeOf(expr.lhs, returnType);
      const r = typeOf(expr.rhs, returnType);
      return l === 'scalar' && r === 'scalar' ? 'scalar' : 'vector';
    }
    case 'UnaryExpr':
    case 'ParenExpr':
      return typeOf(expr.expr, returnType);
  }
}
