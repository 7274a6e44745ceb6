import { describe, expect, it } from 'vitest';
import { Evaluator, normalizedValue, openFeatureReason } from '../src/evaluate/index.js';
import type { Clause, Flag, Segment } from '../src/model/index.js';
import { booleanFlag } from './fixtures.js';

function evaluator(flags: Flag[], segments: Segment[] = [], now = () => Date.parse('2026-01-01T00:00:00Z')) {
  return new Evaluator({ flags, segments }, { now });
}

function ruled(clause: Clause): Evaluator {
  return evaluator([
    booleanFlag('f', {
      fallthrough: { variation: 0 },
      rules: [{ id: 'r', clauses: [clause], serve: { variation: 1 } }],
    }),
  ]);
}

describe('evaluation order', () => {
  const flag = booleanFlag('f', {
    type: 'string',
    variations: [
      { value: 'off' },
      { value: 'target' },
      { value: 'rule' },
      { value: 'fall' },
      { value: 'rule2' },
    ],
    offVariation: 0,
    targets: [{ variation: 1, values: ['alice'] }],
    rules: [
      {
        id: 'admins',
        clauses: [{ attribute: 'role', op: 'in', values: ['admin'] }],
        serve: { variation: 2 },
      },
      {
        id: 'staff',
        clauses: [{ attribute: 'role', op: 'in', values: ['admin', 'staff'] }],
        serve: { variation: 4 },
      },
    ],
    fallthrough: { variation: 3 },
  });

  it('serves the off variation when off, before anything else', () => {
    const result = evaluator([{ ...flag, on: false }]).evaluate(
      'f',
      { targetingKey: 'alice', role: 'admin' },
      'd',
    );
    expect(result).toMatchObject({ value: 'off', variationIndex: 0, reason: 'OFF' });
  });

  it('prefers individual targets over rules, rules in order over the fallthrough', () => {
    const e = evaluator([flag]);
    expect(e.evaluate('f', { targetingKey: 'alice', role: 'admin' }, 'd')).toMatchObject({
      value: 'target',
      reason: 'TARGET_MATCH',
    });
    expect(e.evaluate('f', { targetingKey: 'bob', role: 'admin' }, 'd')).toMatchObject({
      value: 'rule',
      reason: 'RULE_MATCH',
      ruleId: 'admins',
    });
    expect(e.evaluate('f', { targetingKey: 'bob', role: 'staff' }, 'd')).toMatchObject({
      value: 'rule2',
      ruleId: 'staff',
    });
    expect(e.evaluate('f', { targetingKey: 'bob' }, 'd')).toMatchObject({
      value: 'fall',
      reason: 'FALLTHROUGH',
    });
  });

  it('fails prerequisites to the off variation, and passes when the prerequisite serves an allowed variation', () => {
    const parent = booleanFlag('parent', {
      rules: [
        { id: 'r', clauses: [{ attribute: 'beta', op: 'equals', values: [true] }], serve: { variation: 1 } },
      ],
      fallthrough: { variation: 0 },
    });
    const child = booleanFlag('child', { prerequisites: [{ key: 'parent', variations: [1] }] });
    const e = evaluator([parent, child]);
    expect(e.evaluate('child', { beta: true }, false)).toMatchObject({ value: true, reason: 'FALLTHROUGH' });
    expect(e.evaluate('child', { beta: false }, true)).toMatchObject({
      value: false,
      reason: 'PREREQUISITE_FAILED',
      prerequisiteKey: 'parent',
    });
    const orphan = evaluator([child]);
    expect(orphan.evaluate('child', {}, true)).toMatchObject({ value: false, reason: 'PREREQUISITE_FAILED' });
  });

  it('turns a prerequisite cycle that bypassed validation into an ERROR result', () => {
    const a = booleanFlag('a', { prerequisites: [{ key: 'b', variations: [1] }] });
    const b = booleanFlag('b', { prerequisites: [{ key: 'a', variations: [1] }] });
    expect(evaluator([a, b]).evaluate('a', {}, 'dflt')).toMatchObject({
      value: 'dflt',
      reason: 'ERROR',
      errorCode: 'GENERAL',
    });
  });

  it('applies a rule percentage gate and falls through for users outside it', () => {
    const gated = booleanFlag('g', {
      fallthrough: { variation: 0 },
      rules: [{ id: 'r', clauses: [], rollout: { percentage: 50 }, serve: { variation: 1 } }],
    });
    const e = evaluator([gated]);
    for (let i = 0; i < 200; i++) {
      const key = `user-${i}`;
      const inside = normalizedValue(key, 'g') <= 50;
      expect(e.evaluate('g', { targetingKey: key }, false).value).toBe(inside);
    }
    expect(e.evaluate('g', {}, true)).toMatchObject({ value: false, reason: 'FALLTHROUGH' });
  });
});

describe('operators', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  const cases: [string, Clause, Record<string, unknown>, boolean][] = [
    ['in', { attribute: 'c', op: 'in', values: ['a', 'b'] }, { c: 'b' }, true],
    ['in is case-sensitive', { attribute: 'c', op: 'in', values: ['a'] }, { c: 'A' }, false],
    [
      'in caseInsensitive',
      { attribute: 'c', op: 'in', values: ['a'], caseInsensitive: true },
      { c: 'A' },
      true,
    ],
    [
      'in over an array attribute',
      { attribute: 'groups', op: 'in', values: ['x'] },
      { groups: ['y', 'x'] },
      true,
    ],
    ['in typed numbers', { attribute: 'n', op: 'in', values: [1] }, { n: 1 }, true],
    ['in missing', { attribute: 'c', op: 'in', values: ['a'] }, {}, false],
    ['notIn', { attribute: 'c', op: 'notIn', values: ['a'] }, { c: 'b' }, true],
    ['notIn match', { attribute: 'c', op: 'notIn', values: ['a'] }, { c: 'a' }, false],
    ['notIn missing attribute holds', { attribute: 'c', op: 'notIn', values: ['a'] }, {}, true],
    ['equals number from string', { attribute: 'n', op: 'equals', values: [42] }, { n: '42' }, true],
    ['equals string', { attribute: 's', op: 'equals', values: ['x'] }, { s: 'x' }, true],
    ['equals boolean', { attribute: 'b', op: 'equals', values: [true] }, { b: 'true' }, true],
    ['startsWith', { attribute: 'e', op: 'startsWith', values: ['adm'] }, { e: 'admin' }, true],
    ['endsWith', { attribute: 'e', op: 'endsWith', values: ['@acme.com'] }, { e: 'x@acme.com' }, true],
    [
      'endsWith caseInsensitive',
      { attribute: 'e', op: 'endsWith', values: ['@ACME.com'], caseInsensitive: true },
      { e: 'x@acme.COM' },
      true,
    ],
    ['contains', { attribute: 'e', op: 'contains', values: ['cm'] }, { e: 'acme' }, true],
    ['contains non-string', { attribute: 'e', op: 'contains', values: ['1'] }, { e: 1 }, false],
    [
      'matches finds',
      { attribute: 'e', op: 'matches', values: ['^[a-z]+@acme\\.com$'] },
      { e: 'bob@acme.com' },
      true,
    ],
    ['matches no', { attribute: 'e', op: 'matches', values: ['^[a-z]+$'] }, { e: 'Bob' }, false],
    [
      'matches caseInsensitive',
      { attribute: 'e', op: 'matches', values: ['^[a-z]+$'], caseInsensitive: true },
      { e: 'Bob' },
      true,
    ],
    ['lessThan', { attribute: 'n', op: 'lessThan', values: [10] }, { n: 9.5 }, true],
    ['lessThan equal', { attribute: 'n', op: 'lessThan', values: [10] }, { n: 10 }, false],
    ['lessThanOrEqual', { attribute: 'n', op: 'lessThanOrEqual', values: [10] }, { n: 10 }, true],
    ['greaterThan', { attribute: 'n', op: 'greaterThan', values: [10] }, { n: '11' }, true],
    ['greaterThanOrEqual', { attribute: 'n', op: 'greaterThanOrEqual', values: [10] }, { n: 9 }, false],
    ['number of non-number', { attribute: 'n', op: 'greaterThan', values: [1] }, { n: 'abc' }, false],
    [
      'semVerEqual ignores build',
      { attribute: 'v', op: 'semVerEqual', values: ['1.2.3'] },
      { v: '1.2.3+b7' },
      true,
    ],
    [
      'semVerLessThan prerelease',
      { attribute: 'v', op: 'semVerLessThan', values: ['1.2.3'] },
      { v: '1.2.3-rc.1' },
      true,
    ],
    [
      'semVerLessThan numeric order',
      { attribute: 'v', op: 'semVerLessThan', values: ['1.10.0'] },
      { v: '1.9.0' },
      true,
    ],
    [
      'semVerLessThanOrEqual',
      { attribute: 'v', op: 'semVerLessThanOrEqual', values: ['2.0.0'] },
      { v: '2.0.0' },
      true,
    ],
    [
      'semVerGreaterThan',
      { attribute: 'v', op: 'semVerGreaterThan', values: ['2.0.0'] },
      { v: '2.0.1' },
      true,
    ],
    [
      'semVerGreaterThanOrEqual',
      { attribute: 'v', op: 'semVerGreaterThanOrEqual', values: ['2.0.0'] },
      { v: '1.99.99' },
      false,
    ],
    [
      'semver invalid context',
      { attribute: 'v', op: 'semVerGreaterThan', values: ['1.0.0'] },
      { v: 'banana' },
      false,
    ],
    [
      'before',
      { attribute: 'd', op: 'before', values: ['2026-06-01T00:00:00Z'] },
      { d: '2026-05-31T23:59:59Z' },
      true,
    ],
    ['after epoch ms', { attribute: 'd', op: 'after', values: [now] }, { d: now + 1 }, true],
    [
      'currentTime defaults to now',
      { attribute: 'currentTime', op: 'after', values: ['2025-12-31T00:00:00Z'] },
      {},
      true,
    ],
    [
      'currentTime from context',
      { attribute: 'currentTime', op: 'after', values: ['2025-12-31T00:00:00Z'] },
      { currentTime: '2025-01-01T00:00:00Z' },
      false,
    ],
    ['cidr v4', { attribute: 'ip', op: 'cidr', values: ['10.0.0.0/8'] }, { ip: '10.200.3.4' }, true],
    ['cidr v4 out', { attribute: 'ip', op: 'cidr', values: ['10.0.0.0/8'] }, { ip: '11.0.0.1' }, false],
    ['cidr v6', { attribute: 'ip', op: 'cidr', values: ['2001:db8::/32'] }, { ip: '2001:db8:abcd::1' }, true],
    ['cidr v6 out', { attribute: 'ip', op: 'cidr', values: ['2001:db8::/32'] }, { ip: '2001:db9::1' }, false],
    [
      'cidr single host',
      { attribute: 'ip', op: 'cidr', values: ['192.168.1.1'] },
      { ip: '192.168.1.1' },
      true,
    ],
    ['cidr garbage', { attribute: 'ip', op: 'cidr', values: ['10.0.0.0/8'] }, { ip: 'not-an-ip' }, false],
    [
      'nested attribute by path',
      { attribute: 'user.plan', op: 'in', values: ['pro'] },
      { user: { plan: 'pro' } },
      true,
    ],
    [
      'dotted attribute as written',
      { attribute: 'user.plan', op: 'in', values: ['pro'] },
      { 'user.plan': 'pro' },
      true,
    ],
    [
      'nested path through a non-object',
      { attribute: 'user.plan', op: 'in', values: ['pro'] },
      { user: 'pro' },
      false,
    ],
    ['negate', { attribute: 'c', op: 'in', values: ['a'], negate: true }, { c: 'b' }, true],
    ['negate missing attribute', { attribute: 'c', op: 'in', values: ['a'], negate: true }, {}, true],
  ];
  it.each(cases)('%s', (_name, clause, context, expected) => {
    expect(ruled(clause).evaluate('f', context, 'default').value).toBe(expected);
  });

  it('evaluates a catastrophic-backtracking pattern in linear time', () => {
    const e = ruled({ attribute: 's', op: 'matches', values: ['^(a+)+$'] });
    const started = performance.now();
    expect(e.evaluate('f', { s: `${'a'.repeat(5_000)}!` }, 'default').value).toBe(false);
    // With a backtracking engine this input would not finish; RE2 answers at once.
    expect(performance.now() - started).toBeLessThan(5_000);
  });
});

describe('segments', () => {
  const segment: Segment = {
    key: 'beta',
    included: ['vip'],
    excluded: ['banned'],
    rules: [{ id: 'acme', clauses: [{ attribute: 'email', op: 'endsWith', values: ['@acme.com'] }] }],
  };
  const flag = booleanFlag('f', {
    fallthrough: { variation: 0 },
    rules: [
      {
        id: 'seg',
        clauses: [{ attribute: 'segment', op: 'segmentMatch', values: ['beta'] }],
        serve: { variation: 1 },
      },
    ],
  });
  const e = evaluator([flag], [segment]);

  it('matches included keys, excludes excluded keys even when a rule matches, else uses the rules', () => {
    expect(e.evaluate('f', { targetingKey: 'vip' }, false).value).toBe(true);
    expect(e.evaluate('f', { targetingKey: 'banned', email: 'x@acme.com' }, true).value).toBe(false);
    expect(e.evaluate('f', { targetingKey: 'u', email: 'x@acme.com' }, false).value).toBe(true);
    expect(e.evaluate('f', { targetingKey: 'u', email: 'x@other.com' }, true).value).toBe(false);
  });

  it('reports a flag referencing an unknown segment as PARSE_ERROR', () => {
    const broken = evaluator([flag]);
    expect(broken.evaluate('f', { targetingKey: 'vip' }, 'd')).toMatchObject({
      value: 'd',
      errorCode: 'PARSE_ERROR',
    });
  });
});

describe('consistent bucketing', () => {
  it('reproduces the Unleash normalisation vectors shared by its Node, Java and Go clients', () => {
    expect(normalizedValue('123', 'gr1')).toBe(73);
    expect(normalizedValue('999', 'groupX')).toBe(25);
  });

  const users = Array.from({ length: 10_000 }, (_, i) => `user-${i}`);
  const served = (flag: Flag) => {
    const e = evaluator([flag]);
    return new Set(users.filter((u) => e.evaluate(flag.key, { targetingKey: u }, false).value === true));
  };

  it('keeps the first 10 % in when a rule rollout is raised to 20 %', () => {
    const at = (percentage: number) =>
      booleanFlag('rollout', {
        fallthrough: { variation: 0 },
        rules: [{ id: 'all', clauses: [], rollout: { percentage }, serve: { variation: 1 } }],
      });
    const ten = served(at(10));
    const twenty = served(at(20));
    expect(Math.abs(ten.size - 1000)).toBeLessThan(100);
    expect(Math.abs(twenty.size - 2000)).toBeLessThan(150);
    for (const user of ten) expect(twenty.has(user)).toBe(true);
  });

  it('keeps the first 10 % in when a split raises the true weight from 10 % to 20 %', () => {
    const at = (weight: number) =>
      booleanFlag('split', {
        fallthrough: {
          split: {
            variations: [
              { variation: 1, weight },
              { variation: 0, weight: 100_000 - weight },
            ],
          },
        },
      });
    const ten = served(at(10_000));
    const twenty = served(at(20_000));
    expect(Math.abs(ten.size - 1000)).toBeLessThan(100);
    expect(Math.abs(twenty.size - 2000)).toBeLessThan(150);
    for (const user of ten) expect(twenty.has(user)).toBe(true);
  });

  it('buckets by a configurable attribute and group id, so flags sharing a group agree', () => {
    const split = (key: string, groupId?: string) =>
      booleanFlag(key, {
        fallthrough: {
          split: {
            bucketBy: ['companyId'],
            ...(groupId && { groupId }),
            variations: [
              { variation: 1, weight: 50_000 },
              { variation: 0, weight: 50_000 },
            ],
          },
        },
      });
    const e = evaluator([split('a', 'shared'), split('b', 'shared'), split('c')]);
    let differs = 0;
    for (let i = 0; i < 500; i++) {
      const context = { targetingKey: `u${i}`, companyId: `co-${i}` };
      expect(e.evaluate('a', context, false).value).toBe(e.evaluate('b', context, false).value);
      // Same company, other user: same bucket.
      expect(e.evaluate('a', { ...context, targetingKey: 'other' }, false).value).toBe(
        e.evaluate('a', context, false).value,
      );
      if (e.evaluate('a', context, false).value !== e.evaluate('c', context, false).value) differs++;
    }
    expect(differs).toBeGreaterThan(150);
  });

  it('picks Unleash variants with seed 86028157 over the total weight', () => {
    // Variant thresholds of Unleash: target = murmur3("<group>:<id>", 86028157) % 1000 + 1.
    const flag: Flag = {
      key: 'v',
      type: 'string',
      variations: [{ value: 'disabled' }, { value: 'a' }, { value: 'b' }],
      on: true,
      offVariation: 0,
      fallthrough: {
        split: {
          resolution: 1000,
          variations: [
            { variation: 1, weight: 33_300 },
            { variation: 2, weight: 66_700 },
          ],
        },
      },
    };
    const e = evaluator([flag]);
    for (let i = 0; i < 300; i++) {
      const target = normalizedValue(`u${i}`, 'v', 1000, 86028157);
      expect(e.evaluate('v', { targetingKey: `u${i}` }, 'x').value).toBe(target <= 333 ? 'a' : 'b');
    }
  });
});

describe('errors are results, never exceptions', () => {
  const e = evaluator([
    booleanFlag('bool'),
    booleanFlag('split', { fallthrough: { split: { variations: [{ variation: 1, weight: 100_000 }] } } }),
    booleanFlag('bad-regex', {
      rules: [
        { id: 'r', clauses: [{ attribute: 'a', op: 'matches', values: ['(('] }], serve: { variation: 0 } },
      ],
    }),
  ]);

  it('FLAG_NOT_FOUND', () => {
    expect(e.evaluate('nope', {}, 'dflt')).toMatchObject({
      value: 'dflt',
      reason: 'ERROR',
      errorCode: 'FLAG_NOT_FOUND',
    });
  });
  it('TYPE_MISMATCH', () => {
    expect(e.evaluate('bool', {}, 'dflt', 'string')).toMatchObject({
      value: 'dflt',
      errorCode: 'TYPE_MISMATCH',
    });
  });
  it('TARGETING_KEY_MISSING when a split has nothing to bucket by', () => {
    expect(e.evaluate('split', {}, false)).toMatchObject({
      value: false,
      errorCode: 'TARGETING_KEY_MISSING',
    });
    expect(e.evaluate('split', { targetingKey: 'u' }, false)).toMatchObject({
      value: true,
      reason: 'FALLTHROUGH',
    });
  });
  it('PARSE_ERROR for a definition that cannot compile', () => {
    expect(e.evaluate('bad-regex', {}, 'dflt')).toMatchObject({ value: 'dflt', errorCode: 'PARSE_ERROR' });
    expect(e.evaluate('bool', {}, false).value).toBe(true);
  });
  it('INVALID_CONTEXT for a context that is not an object or has a non-string targeting key', () => {
    expect(e.evaluate('bool', null as never, 'd')).toMatchObject({
      value: 'd',
      errorCode: 'INVALID_CONTEXT',
    });
    expect(e.evaluate('bool', { targetingKey: 5 as never }, 'd')).toMatchObject({
      errorCode: 'INVALID_CONTEXT',
    });
  });
  it('GENERAL when reading the context throws', () => {
    const f = evaluator([
      booleanFlag('f', {
        rules: [{ id: 'r', clauses: [{ attribute: 'x', op: 'in', values: ['a'] }], serve: { variation: 0 } }],
      }),
    ]);
    const hostile = Object.defineProperty({}, 'x', {
      get() {
        throw new Error('boom');
      },
    });
    expect(f.evaluate('f', hostile, 'd')).toMatchObject({ value: 'd', errorCode: 'GENERAL' });
  });
  it('returns frozen shared results that callers cannot corrupt', () => {
    const json = evaluator([
      { ...booleanFlag('j'), type: 'json', variations: [{ value: { a: 1 } }, { value: { a: 2 } }] },
    ]);
    const result = json.evaluate('j', {}, {});
    expect(Object.isFrozen(result) && Object.isFrozen(result.value)).toBe(true);
  });
});

describe('OpenFeature reasons', () => {
  it('maps reasons onto OpenFeature', () => {
    expect(openFeatureReason({ value: 1, reason: 'OFF' })).toBe('DISABLED');
    expect(openFeatureReason({ value: 1, reason: 'TARGET_MATCH' })).toBe('TARGETING_MATCH');
    expect(openFeatureReason({ value: 1, reason: 'RULE_MATCH', split: true })).toBe('SPLIT');
    expect(openFeatureReason({ value: 1, reason: 'FALLTHROUGH' }, false)).toBe('STATIC');
    expect(openFeatureReason({ value: 1, reason: 'ERROR' })).toBe('ERROR');
  });
});
