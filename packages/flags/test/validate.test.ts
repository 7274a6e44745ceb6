import { describe, expect, it } from 'vitest';
import type { Flag, Segment } from '../src/model/index.js';
import { MAX_DEFINITION_BYTES } from '../src/model/index.js';
import { validateFlag, validateRuleset, validateSegment } from '../src/validate.js';
import { booleanFlag } from './fixtures.js';

function issues(result: ReturnType<typeof validateFlag> | ReturnType<typeof validateRuleset>) {
  return result.ok ? [] : result.issues;
}

describe('validateFlag', () => {
  it('accepts a complete flag', () => {
    const flag = booleanFlag('checkout', {
      targets: [{ variation: 0, values: ['u1'] }],
      rules: [
        {
          id: 'r1',
          clauses: [
            { attribute: 'email', op: 'endsWith', values: ['@acme.com'] },
            { attribute: 'ip', op: 'cidr', values: ['10.0.0.0/8', '2001:db8::/32'] },
            { attribute: 'version', op: 'semVerGreaterThan', values: ['1.2.3'] },
            { attribute: 'name', op: 'matches', values: ['^a.*z$'] },
          ],
          rollout: { percentage: 25 },
          serve: {
            split: {
              variations: [
                { variation: 0, weight: 50_000 },
                { variation: 1, weight: 50_000 },
              ],
            },
          },
        },
      ],
      scheduledChanges: [{ id: 'c1', at: '2030-01-01T00:00:00Z', set: { on: false } }],
    });
    expect(validateFlag(flag)).toEqual({ ok: true, value: flag });
  });

  it('names an unknown operator at its path', () => {
    const flag = booleanFlag('f', {
      rules: [
        {
          id: 'r',
          clauses: [{ attribute: 'a', op: 'like' as 'in', values: ['x'] }],
          serve: { variation: 0 },
        },
      ],
    });
    expect(issues(validateFlag(flag))).toEqual([
      {
        path: '/rules/0/clauses/0/op',
        message: expect.stringMatching(/^unknown operator; expected one of in, notIn/),
      },
    ]);
  });

  it('reports a bad regex, a bad CIDR, a bad semver and a non-number with their paths', () => {
    const flag = booleanFlag('f', {
      rules: [
        {
          id: 'r',
          clauses: [
            { attribute: 'a', op: 'matches', values: ['(unclosed'] },
            { attribute: 'a', op: 'cidr', values: ['10.0.0.0/33'] },
            { attribute: 'a', op: 'semVerEqual', values: ['1.x'] },
            { attribute: 'a', op: 'lessThan', values: ['ten'] },
            { attribute: 'a', op: 'in', values: [] },
          ],
          serve: { variation: 0 },
        },
      ],
    });
    const paths = issues(validateFlag(flag)).map((i) => i.path);
    expect(paths).toEqual([
      '/rules/0/clauses/0/values/0',
      '/rules/0/clauses/1/values/0',
      '/rules/0/clauses/2/values/0',
      '/rules/0/clauses/3/values/0',
      '/rules/0/clauses/4/values',
    ]);
    expect(issues(validateFlag(flag))[0]!.message).toMatch(/invalid regular expression/);
  });

  it('rejects regex features RE2 does not support (backreferences) instead of backtracking', () => {
    const flag = booleanFlag('f', {
      rules: [
        {
          id: 'r',
          clauses: [{ attribute: 'a', op: 'matches', values: ['(a)\\1'] }],
          serve: { variation: 0 },
        },
      ],
    });
    expect(issues(validateFlag(flag))[0]?.path).toBe('/rules/0/clauses/0/values/0');
  });

  it('rejects weights that do not sum to 100 %', () => {
    const flag = booleanFlag('f', {
      fallthrough: {
        split: {
          variations: [
            { variation: 0, weight: 30_000 },
            { variation: 1, weight: 60_000 },
          ],
        },
      },
    });
    expect(issues(validateFlag(flag))).toEqual([
      { path: '/fallthrough/split/variations', message: expect.stringContaining('sum to 90 %') },
    ]);
  });

  it('rejects variation references out of range everywhere', () => {
    const flag = booleanFlag('f', {
      offVariation: 2,
      targets: [{ variation: 5, values: ['x'] }],
      rules: [{ id: 'r', clauses: [], serve: { variation: 3 } }],
      fallthrough: { split: { variations: [{ variation: 9, weight: 100_000 }] } },
    });
    expect(issues(validateFlag(flag)).map((i) => i.path)).toEqual([
      '/offVariation',
      '/targets/0/variation',
      '/rules/0/serve/variation',
      '/fallthrough/split/variations/0/variation',
    ]);
  });

  it('points into the branch of a union that was meant', () => {
    const flag = { ...booleanFlag('f'), fallthrough: { variation: -1 } };
    expect(issues(validateFlag(flag))).toEqual([
      { path: '/fallthrough/variation', message: expect.any(String) },
    ]);
  });

  it('rejects values of the wrong type, unknown properties and missing fields', () => {
    const flag = { ...booleanFlag('f'), variations: [{ value: 'yes' }], colour: 'red' } as unknown;
    expect(issues(validateFlag(flag))).toEqual([{ path: '', message: 'unknown property: colour' }]);
    const typed = booleanFlag('f', { variations: [{ value: 'yes' }, { value: true }] });
    expect(issues(validateFlag(typed))).toEqual([
      { path: '/variations/0/value', message: 'a boolean flag needs boolean variations' },
    ]);
    const { on: _on, ...missing } = booleanFlag('f');
    expect(issues(validateFlag(missing))[0]).toEqual({ path: '', message: 'missing required property: on' });
  });

  it('rejects an oversized definition', () => {
    const values = Array.from({ length: 9_000 }, (_, i) => `user-${i}-${'x'.repeat(60)}`);
    const flag = booleanFlag('f', { targets: [{ variation: 0, values }] });
    expect(issues(validateFlag(flag))).toEqual([
      { path: '', message: expect.stringContaining(`the limit is ${MAX_DEFINITION_BYTES}`) },
    ]);
  });

  it('rejects an invalid scheduled change at the path of the replaced field', () => {
    const flag = booleanFlag('f', {
      scheduledChanges: [{ id: 'c', at: '2030-01-01T00:00:00Z', set: { fallthrough: { variation: 7 } } }],
    });
    expect(issues(validateFlag(flag)).map((i) => i.path)).toEqual([
      '/scheduledChanges/0/set/fallthrough/variation',
    ]);
  });

  it('checks prerequisites against the environment: unknown flags, missing variations, cycles', () => {
    const a = booleanFlag('a', { prerequisites: [{ key: 'b', variations: [1] }] });
    const b = booleanFlag('b', { prerequisites: [{ key: 'c', variations: [1] }] });
    const flags = new Map<string, Flag>([['b', b]]);
    expect(issues(validateFlag(a, { flags }))).toEqual([]);
    const c = booleanFlag('c', { prerequisites: [{ key: 'a', variations: [4] }] });
    flags.set('c', booleanFlag('c', { prerequisites: [{ key: 'a', variations: [1] }] }));
    expect(issues(validateFlag(a, { flags }))).toEqual([
      { path: '/prerequisites/0/key', message: 'prerequisite cycle: a → b → c → a' },
    ]);
    expect(issues(validateFlag(c, { flags: new Map([['a', a]]) }))).toEqual([
      { path: '/prerequisites/0/variations/0', message: "flag 'a' has no variation 4" },
    ]);
    expect(
      issues(validateFlag(booleanFlag('x', { prerequisites: [{ key: 'zz', variations: [0] }] }), { flags })),
    ).toEqual([{ path: '/prerequisites/0/key', message: "unknown flag 'zz'" }]);
  });
});

describe('validateRuleset', () => {
  it('finds a prerequisite cycle across the whole ruleset and unknown segments', () => {
    const ruleset = {
      flags: [
        booleanFlag('ok'),
        booleanFlag('a', { prerequisites: [{ key: 'b', variations: [1] }] }),
        booleanFlag('b', {
          prerequisites: [{ key: 'a', variations: [1] }],
          rules: [
            {
              id: 'r',
              clauses: [{ attribute: '-', op: 'segmentMatch', values: ['beta'] }],
              serve: { variation: 1 },
            },
          ],
        }),
      ],
      segments: [],
    };
    expect(issues(validateRuleset(ruleset))).toEqual([
      { path: '/flags/2/rules/0/clauses/0/values/0', message: "unknown segment 'beta'" },
      { path: '/flags/1/prerequisites/0/key', message: 'prerequisite cycle: a → b → a' },
    ]);
  });

  it('rejects duplicate keys', () => {
    const result = validateRuleset({ flags: [booleanFlag('a'), booleanFlag('a')], segments: [] });
    expect(issues(result)).toEqual([{ path: '/flags/1/key', message: "duplicate flag key 'a'" }]);
  });
});

describe('validateSegment', () => {
  it('validates segment rules and forbids nested segments', () => {
    const segment: Segment = {
      key: 'beta',
      included: ['u1'],
      rules: [
        {
          id: 'r',
          clauses: [
            { attribute: 'x', op: 'segmentMatch', values: ['other'] },
            { attribute: 'at', op: 'after', values: ['not a date'] },
          ],
        },
      ],
    };
    const result = validateSegment(segment);
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toEqual([
      '/rules/0/clauses/0/op',
      '/rules/0/clauses/1/values/0',
    ]);
  });
});
