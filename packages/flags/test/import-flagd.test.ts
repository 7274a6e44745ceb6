import { describe, expect, it } from 'vitest';
import { Evaluator } from '../src/evaluate/index.js';
import { exportFlagd } from '../src/export/index.js';
import { murmur3 } from '../src/hash/murmur3.js';
import { importFlagd } from '../src/import/index.js';
import type { Ruleset } from '../src/model/index.js';
import { booleanFlag } from './fixtures.js';

function load(document: unknown, now = Date.parse('2026-03-01T00:00:00Z')): Evaluator {
  const result = importFlagd(document);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return new Evaluator(result.ruleset, { now: () => now });
}

/**
 * flagd's fractional, written out from its Go evaluator: murmur3 (seed 0) of the bucketing
 * string as a signed int32, |h| / MaxInt32 × total weight, first bucket whose range end exceeds it.
 */
function flagdFractional(bucketing: string, buckets: [string, number][]): string {
  const total = buckets.reduce((s, [, w]) => s + w, 0);
  const position = (Math.abs(murmur3(bucketing) | 0) / 2147483647) * total;
  let end = 0;
  for (const [name, weight] of buckets) {
    end += weight;
    if (position < end) return name;
  }
  return '';
}

// The headerColor example of flagd's documentation.
const headerColor = {
  flags: {
    headerColor: {
      variants: { red: '#FF0000', blue: '#0000FF', green: '#00FF00', yellow: '#FFFF00' },
      defaultVariant: 'red',
      state: 'ENABLED',
      targeting: {
        if: [
          { ends_with: [{ var: 'email' }, '@faas.com'] },
          {
            fractional: [
              ['red', 25],
              ['blue', 25],
              ['green', 25],
              ['yellow', 25],
            ],
          },
          null,
        ],
      },
    },
  },
};

describe('flagd import', () => {
  it('imports the documented headerColor flag: fractional over flagKey+targetingKey for @faas.com', () => {
    const e = load(headerColor);
    const buckets: [string, number][] = [
      ['red', 25],
      ['blue', 25],
      ['green', 25],
      ['yellow', 25],
    ];
    const colours = { red: '#FF0000', blue: '#0000FF', green: '#00FF00', yellow: '#FFFF00' } as const;
    const seen = new Set<string>();
    for (let i = 0; i < 400; i++) {
      const key = `user-${i}`;
      const expected = flagdFractional(`headerColor${key}`, buckets) as keyof typeof colours;
      seen.add(expected);
      const result = e.evaluate('headerColor', { targetingKey: key, email: `${key}@faas.com` }, '');
      expect(result).toMatchObject({
        value: colours[expected],
        variant: expected,
        reason: 'RULE_MATCH',
        split: true,
      });
    }
    expect(seen.size).toBe(4);
    expect(e.evaluate('headerColor', { targetingKey: 'u', email: 'u@example.com' }, '')).toMatchObject({
      value: '#FF0000',
      variant: 'red',
      reason: 'FALLTHROUGH',
    });
  });

  it('hashes a bucketing expression instead of flagKey+targetingKey, with relative weights', () => {
    const e = load({
      flags: {
        plain: {
          variants: { a: 'A', b: 'B', c: 'C' },
          defaultVariant: 'a',
          state: 'ENABLED',
          targeting: { fractional: [{ var: 'companyId' }, ['a', 1], ['b', 2], ['c', 7]] },
        },
        catted: {
          variants: { on: true, off: false },
          defaultVariant: 'off',
          state: 'ENABLED',
          targeting: {
            fractional: [{ cat: [{ var: '$flagd.flagKey' }, { var: 'email' }] }, ['on', 30], ['off', 70]],
          },
        },
      },
    });
    for (let i = 0; i < 300; i++) {
      const company = `co-${i}`;
      const expected = flagdFractional(company, [
        ['a', 1],
        ['b', 2],
        ['c', 7],
      ]);
      expect(e.evaluate('plain', { companyId: company }, '').variant).toBe(expected);
      const email = `p${i}@x.org`;
      expect(e.evaluate('catted', { email }, null).variant).toBe(
        flagdFractional(`catted${email}`, [
          ['on', 30],
          ['off', 70],
        ]),
      );
    }
    expect(e.evaluate('plain', {}, 'dflt')).toMatchObject({
      value: 'dflt',
      errorCode: 'TARGETING_KEY_MISSING',
    });
  });

  it('translates and/or/!/comparisons/in/sem_ver/starts_with and $ref to $evaluators', () => {
    const e = load({
      $evaluators: {
        isStaff: {
          and: [
            { ends_with: [{ var: 'email' }, '@corp.com'] },
            { '!': { in: [{ var: 'role' }, ['intern']] } },
          ],
        },
      },
      flags: {
        tier: {
          state: 'ENABLED',
          variants: { gold: 'gold', silver: 'silver', bronze: 'bronze', none: 'none' },
          defaultVariant: 'none',
          targeting: {
            if: [
              { $ref: 'isStaff' },
              'gold',
              { or: [{ '>=': [{ var: 'spend' }, 1000] }, { in: ['vip', { var: 'tags' }] }] },
              { if: [{ sem_ver: [{ var: 'app' }, '>=', '2.0.0'] }, 'silver'] },
              { starts_with: [{ var: 'country' }, 'D'] },
              'bronze',
              null,
            ],
          },
        },
      },
    });
    const tier = (context: Record<string, unknown>) => e.evaluate('tier', context, '').value;
    expect(tier({ email: 'a@corp.com' })).toBe('gold');
    expect(tier({ email: 'a@corp.com', role: 'intern' })).toBe('none');
    expect(tier({ email: 'a@corp.com', role: 'intern', country: 'DE' })).toBe('bronze');
    expect(tier({ spend: 1500, app: '2.1.0' })).toBe('silver');
    // Matched branch whose nested if has no else: flagd returns null → default variant, not later rules.
    expect(tier({ spend: 1500, app: '1.9.0', country: 'DE' })).toBe('none');
    expect(tier({ tags: 'early,vip', app: '3.0.0' })).toBe('silver');
    expect(tier({ country: 'Denmark' })).toBe('bronze');
    expect(tier({})).toBe('none');
  });

  it('follows dotted var paths into nested context objects, as JsonLogic does', () => {
    const e = load({
      flags: {
        nested: {
          state: 'ENABLED',
          variants: { yes: true, no: false },
          defaultVariant: 'no',
          targeting: { if: [{ ends_with: [{ var: 'user.email' }, '@faas.com'] }, 'yes', null] },
        },
      },
    });
    expect(e.evaluate('nested', { user: { email: 'a@faas.com' } }, null).value).toBe(true);
    expect(e.evaluate('nested', { user: { email: 'a@other.com' } }, null).value).toBe(false);
    expect(e.evaluate('nested', {}, null).value).toBe(false);
  });

  it('maps $flagd.timestamp comparisons onto the evaluation time', () => {
    const document = {
      flags: {
        launch: {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          targeting: { if: [{ '>=': [{ var: '$flagd.timestamp' }, 1_772_323_200] }, 'on', 'off'] },
        },
      },
    };
    expect(load(document, 1_772_323_200_000).evaluate('launch', {}, null).value).toBe(true);
    expect(load(document, 1_772_323_199_999).evaluate('launch', {}, null).value).toBe(false);
  });

  it('leaves DISABLED flags out, so they are FLAG_NOT_FOUND as in flagd, and infers types', () => {
    const result = importFlagd({
      flags: {
        gone: { state: 'DISABLED', variants: { on: true }, defaultVariant: 'on' },
        num: { state: 'ENABLED', variants: { low: 1, high: 10 }, defaultVariant: 'high' },
        obj: { state: 'ENABLED', variants: { a: { x: 1 }, b: [1] }, defaultVariant: 'a', targeting: {} },
      },
    });
    expect(result).toMatchObject({ ok: true, warnings: [{ path: '/flags/gone/state' }] });
    if (!result.ok) return;
    const e = new Evaluator(result.ruleset);
    expect(e.evaluate('gone', {}, 1).errorCode).toBe('FLAG_NOT_FOUND');
    expect(e.evaluate('num', {}, 0, 'number')).toMatchObject({ value: 10, variant: 'high' });
    expect(e.evaluate('obj', {}, null, 'json').value).toEqual({ x: 1 });
  });

  it('rejects unsupported JsonLogic and unknown variants with paths', () => {
    const result = importFlagd({
      flags: {
        bad: {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          targeting: {
            if: [{ '%': [{ var: 'n' }, 2] }, 'on', { in: [{ var: 'x' }, ['a']] }, 'maybe', 'off'],
          },
        },
        'no-default': { state: 'ENABLED', variants: { on: true }, defaultVariant: 'missing' },
        loop: {
          state: 'ENABLED',
          variants: { on: true },
          defaultVariant: 'on',
          targeting: { $ref: 'nowhere' },
        },
      },
    });
    expect(result.ok ? [] : result.issues.map((i) => i.path)).toEqual([
      '/flags/bad/targeting/if/0',
      '/flags/no-default/defaultVariant',
      '/flags/loop/targeting/$ref',
    ]);
    const second = importFlagd({
      flags: {
        bad: {
          state: 'ENABLED',
          variants: { on: true, off: false },
          defaultVariant: 'off',
          targeting: { if: [{ in: [{ var: 'x' }, ['a']] }, 'maybe', 'off'] },
        },
      },
    });
    expect(second).toMatchObject({ ok: false, issues: [{ path: '/flags/bad/targeting/if/1' }] });
  });
});

describe('flagd export', () => {
  const contexts = Array.from({ length: 300 }, (_, i) => ({
    targetingKey: `user-${i}`,
    email: i % 3 === 0 ? `u${i}@faas.com` : `u${i}@example.com`,
    spend: i * 7,
    app: `${i % 4}.${i % 10}.0`,
    country: ['DE', 'FR', 'US'][i % 3]!,
  }));

  it('round-trips imported flagd flags: export then import evaluates identically', () => {
    const first = importFlagd(headerColor);
    if (!first.ok) throw new Error('import failed');
    const exported = exportFlagd(first.ruleset);
    expect(exported.issues).toEqual([]);
    expect(exported.document.flags.headerColor).toMatchObject({ state: 'ENABLED', defaultVariant: 'red' });
    const second = importFlagd(exported.document);
    if (!second.ok) throw new Error(JSON.stringify(second.issues));
    const a = new Evaluator(first.ruleset);
    const b = new Evaluator(second.ruleset);
    for (const context of contexts)
      expect(b.evaluate('headerColor', context, '').value).toBe(a.evaluate('headerColor', context, '').value);
  });

  it('exports targets, rules, segments and semver/number clauses that evaluate the same after re-import', () => {
    const ruleset: Ruleset = {
      flags: [
        booleanFlag('f', {
          fallthrough: { variation: 0 },
          targets: [{ variation: 1, values: ['user-5'] }],
          rules: [
            {
              id: 'r1',
              clauses: [{ attribute: 'segment', op: 'segmentMatch', values: ['faas'] }],
              serve: { variation: 1 },
            },
            {
              id: 'r2',
              clauses: [
                { attribute: 'spend', op: 'greaterThanOrEqual', values: [700] },
                { attribute: 'app', op: 'semVerLessThan', values: ['2.0.0'] },
                { attribute: 'country', op: 'in', values: ['FR'], negate: true },
              ],
              serve: { variation: 1 },
            },
          ],
        }),
      ],
      segments: [
        {
          key: 'faas',
          excluded: ['user-3'],
          rules: [{ id: 'mail', clauses: [{ attribute: 'email', op: 'endsWith', values: ['@faas.com'] }] }],
        },
      ],
    };
    const exported = exportFlagd(ruleset);
    expect(exported.issues).toEqual([]);
    const original = new Evaluator(ruleset);
    // The inlined segment uses JsonLogic `or`/`!`, which the importer translates back into rules.
    const back = importFlagd(exported.document);
    if (!back.ok) throw new Error(JSON.stringify(back.issues));
    const reimported = new Evaluator(back.ruleset);
    let on = 0;
    for (const context of contexts) {
      const value = original.evaluate('f', context, null).value;
      if (value) on++;
      expect(reimported.evaluate('f', context, null).value).toBe(value);
    }
    expect(on).toBeGreaterThan(50);
  });

  it('refuses what flagd cannot reproduce, with paths', () => {
    const ruleset: Ruleset = {
      flags: [
        booleanFlag('regex', {
          rules: [
            { id: 'r', clauses: [{ attribute: 'a', op: 'matches', values: ['x'] }], serve: { variation: 0 } },
          ],
        }),
        booleanFlag('rollout', {
          fallthrough: { split: { variations: [{ variation: 1, weight: 100_000 }] } },
        }),
        booleanFlag('prereq', { prerequisites: [{ key: 'regex', variations: [1] }] }),
        booleanFlag('fine'),
      ],
      segments: [],
    };
    const exported = exportFlagd(ruleset);
    expect(exported.issues.map((i) => i.path)).toEqual([
      '/flags/0/rules/0/clauses/0/op',
      '/flags/1/fallthrough/split',
      '/flags/2/prerequisites',
    ]);
    expect(Object.keys(exported.document.flags)).toEqual(['fine']);
    expect(Object.keys(exportFlagd(ruleset, { rebucket: true }).document.flags)).toEqual(['rollout', 'fine']);
  });
});
