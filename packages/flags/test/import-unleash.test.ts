import { describe, expect, it } from 'vitest';
import { Evaluator, normalizedValue } from '../src/evaluate/index.js';
import { importUnleash } from '../src/import/index.js';

function load(document: unknown): Evaluator {
  const result = importUnleash(document);
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return new Evaluator(result.ruleset, { now: () => Date.parse('2026-03-01T00:00:00Z') });
}

const enabled = (e: Evaluator, key: string, context: Record<string, unknown>) =>
  e.evaluate(key, context, 'default').value;

/** Unleash's variant pick, written out from its client specification for the expectations. */
function unleashVariant(groupId: string, id: string, variants: { name: string; weight: number }[]): string {
  const total = variants.reduce((s, v) => s + v.weight, 0);
  const target = normalizedValue(id, groupId, total, 86028157);
  let counter = 0;
  for (const v of variants) {
    if (v.weight === 0) continue;
    counter += v.weight;
    if (counter >= target) return v.name;
  }
  throw new Error('no variant');
}

describe('Unleash import: strategies', () => {
  const e = load({
    version: 2,
    features: [
      { name: 'no-strategies', enabled: true, strategies: [] },
      { name: 'off', enabled: false, strategies: [{ name: 'default' }] },
      { name: 'default', enabled: true, strategies: [{ name: 'default', parameters: {} }] },
      {
        name: 'users',
        enabled: true,
        strategies: [{ name: 'userWithId', parameters: { userIds: 'alice, bob,carol' } }],
      },
      {
        name: 'flex',
        enabled: true,
        strategies: [
          { name: 'flexibleRollout', parameters: { rollout: '50', stickiness: 'default', groupId: 'gr1' } },
        ],
      },
      {
        name: 'flexX',
        enabled: true,
        strategies: [
          { name: 'flexibleRollout', parameters: { rollout: '50', stickiness: 'userId', groupId: 'groupX' } },
        ],
      },
      {
        name: 'tenant-rollout',
        enabled: true,
        strategies: [
          { name: 'flexibleRollout', parameters: { rollout: '30', stickiness: 'tenantId', groupId: 't' } },
        ],
      },
      {
        name: 'gradual',
        enabled: true,
        strategies: [{ name: 'gradualRolloutUserId', parameters: { percentage: '25', groupId: 'g' } }],
      },
      {
        name: 'session',
        enabled: true,
        strategies: [{ name: 'gradualRolloutSessionId', parameters: { percentage: '25', groupId: 'g' } }],
      },
      {
        name: 'ips',
        enabled: true,
        strategies: [{ name: 'remoteAddress', parameters: { IPs: '10.0.0.0/8, 192.168.1.7' } }],
      },
    ],
  });

  it('serves enabled for a feature without strategies and disabled for a disabled feature', () => {
    expect(enabled(e, 'no-strategies', {})).toBe(true);
    expect(e.evaluate('off', { targetingKey: 'x' }, true)).toMatchObject({ value: false, reason: 'OFF' });
    expect(enabled(e, 'default', {})).toBe(true);
  });

  it('userWithId matches the listed user ids (userId is the targeting key)', () => {
    expect(enabled(e, 'users', { targetingKey: 'bob' })).toBe(true);
    expect(enabled(e, 'users', { targetingKey: 'dave' })).toBe(false);
  });

  it('flexibleRollout buckets like every Unleash SDK: normalizedValue("123","gr1") = 73, ("999","groupX") = 25', () => {
    expect(enabled(e, 'flex', { targetingKey: '123' })).toBe(false); // 73 > 50
    expect(enabled(e, 'flexX', { targetingKey: '999' })).toBe(true); // 25 <= 50
    // default stickiness falls back to sessionId when there is no userId
    expect(enabled(e, 'flex', { sessionId: '123' })).toBe(false);
    expect(enabled(e, 'flex', {})).toBe(false);
  });

  it('flexibleRollout with custom stickiness and the gradual strategies use their own attributes', () => {
    for (let i = 0; i < 200; i++) {
      const id = `id-${i}`;
      expect(enabled(e, 'tenant-rollout', { targetingKey: 'same', tenantId: id })).toBe(
        normalizedValue(id, 't') <= 30,
      );
      expect(enabled(e, 'gradual', { targetingKey: id })).toBe(normalizedValue(id, 'g') <= 25);
      expect(enabled(e, 'session', { targetingKey: 'x', sessionId: id })).toBe(
        normalizedValue(id, 'g') <= 25,
      );
    }
  });

  it('remoteAddress matches IPs and CIDR ranges', () => {
    expect(enabled(e, 'ips', { remoteAddress: '10.1.2.3' })).toBe(true);
    expect(enabled(e, 'ips', { remoteAddress: '192.168.1.7' })).toBe(true);
    expect(enabled(e, 'ips', { remoteAddress: '192.168.1.8' })).toBe(false);
  });
});

describe('Unleash import: constraints and segments', () => {
  const strategy = (constraints: unknown[], segments?: number[]) => ({
    name: 'default',
    constraints,
    ...(segments && { segments }),
  });
  const feature = (name: string, constraints: unknown[]) => ({
    name,
    enabled: true,
    strategies: [strategy(constraints)],
  });
  const e = load({
    features: [
      feature('in', [{ contextName: 'region', operator: 'IN', values: ['eu', 'us'] }]),
      feature('not-in', [{ contextName: 'region', operator: 'NOT_IN', values: ['eu'] }]),
      feature('inverted-in', [{ contextName: 'region', operator: 'IN', values: ['eu'], inverted: true }]),
      feature('contains-ci', [
        { contextName: 'email', operator: 'STR_CONTAINS', values: ['ACME'], caseInsensitive: true },
      ]),
      feature('contains-cs', [{ contextName: 'email', operator: 'STR_CONTAINS', values: ['ACME'] }]),
      feature('starts', [{ contextName: 'email', operator: 'STR_STARTS_WITH', values: ['admin', 'root'] }]),
      feature('ends-inverted', [
        { contextName: 'email', operator: 'STR_ENDS_WITH', values: ['.com'], inverted: true },
      ]),
      feature('num', [
        { contextName: 'age', operator: 'NUM_GTE', value: '18' },
        { contextName: 'age', operator: 'NUM_LT', value: '65' },
      ]),
      feature('num-eq', [{ contextName: 'seats', operator: 'NUM_EQ', value: '5' }]),
      feature('num-gt-lte', [
        { contextName: 'n', operator: 'NUM_GT', value: '1' },
        { contextName: 'n', operator: 'NUM_LTE', value: '3' },
      ]),
      feature('date', [
        { contextName: 'currentTime', operator: 'DATE_AFTER', value: '2026-01-01T00:00:00.000Z' },
        { contextName: 'currentTime', operator: 'DATE_BEFORE', value: '2026-06-01T00:00:00.000Z' },
      ]),
      feature('semver', [
        { contextName: 'version', operator: 'SEMVER_GT', value: '1.2.0' },
        { contextName: 'version', operator: 'SEMVER_LT', value: '2.0.0' },
      ]),
      feature('semver-eq', [{ contextName: 'version', operator: 'SEMVER_EQ', value: '2.0.0-beta.1' }]),
      feature('user', [{ contextName: 'userId', operator: 'IN', values: ['u1'] }]),
      { name: 'segmented', enabled: true, strategies: [strategy([], [1, 2])] },
    ],
    segments: [
      { id: 1, name: 'Europe', constraints: [{ contextName: 'region', operator: 'IN', values: ['eu'] }] },
      { id: 2, name: 'paying', constraints: [{ contextName: 'plan', operator: 'NOT_IN', values: ['free'] }] },
    ],
  });

  it.each([
    ['in', { region: 'us' }, true],
    ['in', { region: 'asia' }, false],
    ['in', {}, false],
    ['not-in', { region: 'us' }, true],
    ['not-in', {}, true],
    ['inverted-in', { region: 'eu' }, false],
    ['inverted-in', {}, true],
    ['contains-ci', { email: 'bob@acme.com' }, true],
    ['contains-cs', { email: 'bob@acme.com' }, false],
    ['starts', { email: 'root@x.org' }, true],
    ['ends-inverted', { email: 'a@b.com' }, false],
    ['ends-inverted', { email: 'a@b.org' }, true],
    ['num', { age: '30' }, true],
    ['num', { age: '17' }, false],
    ['num', { age: 'old' }, false],
    ['num-eq', { seats: '5' }, true],
    ['num-eq', { seats: '5.0' }, true],
    ['num-gt-lte', { n: '3' }, true],
    ['num-gt-lte', { n: '1' }, false],
    ['date', {}, true],
    ['date', { currentTime: '2026-07-01T00:00:00Z' }, false],
    ['semver', { version: '1.10.0' }, true],
    ['semver', { version: '2.0.0-rc.1' }, true],
    ['semver', { version: '2.0.0' }, false],
    ['semver', { version: 'not-a-version' }, false],
    ['semver-eq', { version: '2.0.0-beta.1' }, true],
    ['user', { targetingKey: 'u1' }, true],
    ['segmented', { region: 'eu', plan: 'pro' }, true],
    ['segmented', { region: 'eu', plan: 'free' }, false],
    ['segmented', { region: 'us', plan: 'pro' }, false],
  ])('%s with %j → %s', (key, context, expected) => {
    expect(enabled(e, key, context)).toBe(expected);
  });
});

describe('Unleash import: variants and dependencies', () => {
  const variants = [
    { name: 'blue', weight: 333, stickiness: 'default', payload: { type: 'string', value: '#00f' } },
    {
      name: 'red',
      weight: 333,
      stickiness: 'default',
      overrides: [{ contextName: 'userId', values: ['vip'] }],
    },
    { name: 'green', weight: 334, stickiness: 'default', payload: { type: 'json', value: '{"g":1}' } },
  ];
  const strategyVariants = [
    { name: 'a', weight: 200, stickiness: 'tenantId' },
    { name: 'b', weight: 800, stickiness: 'tenantId' },
  ];
  const e = load({
    features: [
      { name: 'colours', enabled: true, strategies: [{ name: 'default' }], variants },
      { name: 'colours-off', enabled: false, strategies: [{ name: 'default' }], variants },
      {
        name: 'experiment',
        enabled: true,
        strategies: [
          { name: 'userWithId', parameters: { userIds: 'qa' } },
          {
            name: 'flexibleRollout',
            parameters: { rollout: '100', groupId: 'exp-group' },
            variants: strategyVariants,
          },
        ],
        variants,
      },
      {
        name: 'parent',
        enabled: true,
        strategies: [{ name: 'userWithId', parameters: { userIds: 'p1,p2' } }],
      },
      { name: 'child', enabled: true, strategies: [], dependencies: [{ feature: 'parent' }] },
      {
        name: 'anti-child',
        enabled: true,
        strategies: [],
        dependencies: [{ feature: 'parent', enabled: false }],
      },
      {
        name: 'variant-child',
        enabled: true,
        strategies: [],
        dependencies: [{ feature: 'experiment', variants: ['a'] }],
      },
    ],
  });

  it('returns the getVariant object for feature variants, with Unleash variant hashing', () => {
    for (let i = 0; i < 300; i++) {
      const id = `user-${i}`;
      const value = e.evaluate('colours', { targetingKey: id }, { name: 'default' }).value;
      expect(value.name).toBe(unleashVariant('colours', id, variants));
    }
    expect(e.evaluate('colours', { targetingKey: 'x' }, null).value).toMatchObject({
      enabled: true,
      feature_enabled: true,
    });
    const blue = [...Array(300).keys()]
      .map((i) => e.evaluate('colours', { targetingKey: `user-${i}` }, { name: 'default' }).value)
      .find((v) => v.name === 'blue');
    expect(blue).toEqual({
      name: 'blue',
      enabled: true,
      feature_enabled: true,
      payload: { type: 'string', value: '#00f' },
    });
  });

  it('applies variant overrides before hashing and serves the disabled variant when off', () => {
    expect(e.evaluate('colours', { targetingKey: 'vip' }, null).value).toMatchObject({ name: 'red' });
    expect(e.evaluate('colours-off', { targetingKey: 'vip' }, null).value).toEqual({
      name: 'disabled',
      enabled: false,
      feature_enabled: false,
    });
  });

  it('uses strategy variants with the strategy group id and stickiness, feature variants otherwise', () => {
    for (let i = 0; i < 200; i++) {
      const tenant = `t-${i}`;
      const value = e.evaluate(
        'experiment',
        { targetingKey: 'someone', tenantId: tenant },
        { name: 'default' },
      ).value;
      expect(value.name).toBe(unleashVariant('exp-group', tenant, strategyVariants));
    }
    const qa = e.evaluate('experiment', { targetingKey: 'qa' }, { name: 'default' }).value;
    expect(qa.name).toBe(unleashVariant('experiment', 'qa', variants));
  });

  it('evaluates dependent features on the parent being enabled, disabled or serving a variant', () => {
    expect(enabled(e, 'child', { targetingKey: 'p1' })).toBe(true);
    expect(enabled(e, 'child', { targetingKey: 'zz' })).toBe(false);
    expect(enabled(e, 'anti-child', { targetingKey: 'zz' })).toBe(true);
    expect(enabled(e, 'anti-child', { targetingKey: 'p2' })).toBe(false);
    for (let i = 0; i < 50; i++) {
      const tenant = `t-${i}`;
      const isA = unleashVariant('exp-group', tenant, strategyVariants) === 'a';
      expect(enabled(e, 'variant-child', { targetingKey: 'x', tenantId: tenant })).toBe(isA);
    }
  });
});

describe('Unleash import: admin export and bad input', () => {
  it('imports one environment of an admin export with sorted strategies and environment variants', () => {
    const document = {
      features: [{ name: 'beta', type: 'kill-switch' }],
      featureStrategies: [
        {
          featureName: 'beta',
          environment: 'production',
          name: 'userWithId',
          parameters: { userIds: 'p' },
          sortOrder: 1,
        },
        { featureName: 'beta', environment: 'development', name: 'default', parameters: {}, sortOrder: 0 },
      ],
      featureEnvironments: [
        { featureName: 'beta', environment: 'production', enabled: true },
        { featureName: 'beta', environment: 'development', enabled: true },
      ],
      segments: [],
      dependencies: [],
    };
    expect(importUnleash(document)).toMatchObject({ ok: false, issues: [{ path: '/featureEnvironments' }] });
    const production = importUnleash(document, { environment: 'production' });
    if (!production.ok) throw new Error(JSON.stringify(production.issues));
    expect(production.ruleset.flags[0]).toMatchObject({ key: 'beta', kind: 'permanent' });
    const e = new Evaluator(production.ruleset);
    expect(e.evaluate('beta', { targetingKey: 'p' }, false).value).toBe(true);
    expect(e.evaluate('beta', { targetingKey: 'q' }, true).value).toBe(false);
  });

  it('rejects what cannot evaluate identically, with the path in the source document', () => {
    const result = importUnleash({
      features: [
        { name: 'ok', enabled: true, strategies: [] },
        {
          name: 'bad',
          enabled: true,
          strategies: [
            { name: 'gradualRolloutRandom', parameters: { percentage: '50' } },
            { name: 'applicationHostname', parameters: { hostNames: 'a' } },
            { name: 'default', constraints: [{ contextName: 'x', operator: 'STR_LIKE', values: ['a'] }] },
          ],
        },
        { name: 'orphan', enabled: true, strategies: [], dependencies: [{ feature: 'missing' }] },
      ],
    });
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          path: '/features/1/strategies/0/parameters/percentage',
          message: expect.stringContaining('not deterministic'),
        },
        { path: '/features/1/strategies/1/name', message: "strategy 'applicationHostname' is not supported" },
        {
          path: '/features/1/strategies/2/constraints/0/operator',
          message: "unknown Unleash operator 'STR_LIKE'",
        },
        { path: '/features/2/dependencies/0/feature', message: "unknown parent feature 'missing'" },
      ],
    });
    expect(importUnleash('nonsense')).toMatchObject({ ok: false, issues: [{ path: '/features' }] });
  });
});
