import { describe, expect, it } from 'vitest';
import { Head } from '../../src/head.js';
import { labelsFromRecord } from '../../src/labels.js';
import { Engine } from '../../src/promql/engine.js';
import { exprType, ParseError, parseExpr } from '../../src/promql/parse.js';
import { QueryError } from '../../src/promql/value.js';
import { MergeQuerier } from '../../src/querier.js';

function querier(): MergeQuerier {
  const head = new Head();
  for (let s = 0; s < 10; s++) {
    const ref = head.getOrCreate(labelsFromRecord({ __name__: 'x', i: String(s) })).ref;
    for (let t = 0; t < 100; t++) head.append(ref, t * 1000, t);
  }
  return new MergeQuerier([head]);
}

describe('query limits', () => {
  it('refuses a query that would load too many samples', () => {
    const engine = new Engine({ maxSamples: 500 });
    expect(() => engine.instantQuery(querier(), 'sum_over_time(x[100s])', 100_000)).toThrow(
      /query processing would load too many samples into memory/,
    );
    expect(() =>
      new Engine({ maxSamples: 5000 }).instantQuery(querier(), 'sum_over_time(x[100s])', 100_000),
    ).not.toThrow();
  });

  it('times out by the injected clock', () => {
    let now = 0;
    const engine = new Engine({ timeoutMs: 1000, clock: { now: () => (now += 400) } });
    try {
      engine.rangeQuery(querier(), 'x', { start: 0, end: 100_000, step: 1000 });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(QueryError);
      expect((error as QueryError).errorType).toBe('timeout');
    }
  });
});

describe('parser', () => {
  it('builds our own AST with matchers, modifiers and grouping', () => {
    const e = parseExpr(
      'sum without (a) (rate(foo{job=~"api|db", env!="dev"}[5m] offset 1m @ 100)) / on(job) group_left(x) bar',
    );
    expect(e.kind).toBe('BinaryExpr');
    if (e.kind !== 'BinaryExpr') return;
    expect(e.matching).toEqual({ card: 'many-to-one', on: true, labels: ['job'], include: ['x'] });
    const agg = e.lhs;
    expect(agg.kind === 'AggregateExpr' && agg.without && agg.grouping).toEqual(['a']);
    if (agg.kind !== 'AggregateExpr' || agg.expr.kind !== 'Call') throw new Error('shape');
    const m = agg.expr.args[0]!;
    if (m.kind !== 'MatrixSelector') throw new Error('shape');
    expect(m.range).toBe(300_000);
    expect(m.vector.offset).toBe(60_000);
    expect(m.vector.at).toBe(100_000);
    expect(m.vector.matchers.map(String)).toEqual(['__name__="foo"', 'job=~"api|db"', 'env!="dev"']);
    expect(exprType(parseExpr('scalar(foo) + 1'))).toBe('scalar');
  });

  it('reports errors with line and column', () => {
    const cases: [string, RegExp][] = [
      ['foo{a="b"', /^1:10: parse error: unexpected end of input/],
      ['sum(foo) by', /parse error/],
      ['foo[5m] offset', /parse error/],
      ['rate(foo[5m], 1)', /expected 1 argument\(s\) in call to "rate", got 2/],
      ['foo{a=~"("}', /invalid regular expression/],
      ['1 +\n  bar{', /^2:7: parse error: unexpected end of input/],
      ['"unterminated', /unterminated quoted string/],
      ['foo @ 1 @ 2', /may not be set multiple times/],
      ['sum(x) and 1', /set operator "and" not allowed in binary scalar expression/],
      ['x + on(a) group_left(a) y', /must not occur in ON and GROUP clause at once/],
    ];
    for (const [input, message] of cases) {
      try {
        parseExpr(input);
        expect.unreachable(input);
      } catch (error) {
        expect(error, input).toBeInstanceOf(ParseError);
        expect((error as Error).message, input).toMatch(message);
      }
    }
  });
});
