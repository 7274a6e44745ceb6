import type { BenchRow } from '@parley/kit/bench';
import { summarize, timeCalls } from '@parley/kit/bench';
import { Evaluator } from '../src/evaluate/index.js';
import type { Flag } from '../src/model/index.js';

const simple: Flag = {
  key: 'simple',
  type: 'boolean',
  variations: [{ value: false }, { value: true }],
  on: true,
  offVariation: 0,
  fallthrough: { variation: 1 },
};

/** Five rules (string, semver, number, segment clauses, a rollout gate), then a weighted split. */
const complex: Flag = {
  ...simple,
  key: 'complex',
  targets: [{ variation: 0, values: ['blocked-1', 'blocked-2'] }],
  rules: [
    {
      id: 'staff',
      clauses: [{ attribute: 'email', op: 'endsWith', values: ['@parley.dev'] }],
      serve: { variation: 1 },
    },
    {
      id: 'old-clients',
      clauses: [
        { attribute: 'appVersion', op: 'semVerLessThan', values: ['2.0.0'] },
        { attribute: 'platform', op: 'in', values: ['ios', 'android'] },
      ],
      serve: { variation: 0 },
    },
    {
      id: 'big',
      clauses: [{ attribute: 'seats', op: 'greaterThanOrEqual', values: [500] }],
      serve: { variation: 1 },
    },
    {
      id: 'beta',
      clauses: [{ attribute: 'segment', op: 'segmentMatch', values: ['beta'] }],
      serve: { variation: 1 },
    },
    // Half of the contexts (web) reach a 30 % rollout gate: murmur3 of the targeting key.
    {
      id: 'web-rollout',
      clauses: [{ attribute: 'platform', op: 'in', values: ['web'] }],
      rollout: { percentage: 30 },
      serve: { variation: 1 },
    },
  ],
  fallthrough: {
    split: {
      variations: [
        { variation: 1, weight: 20_000 },
        { variation: 0, weight: 80_000 },
      ],
    },
  },
};

export function evaluationBenchmarks(quick: boolean): BenchRow[] {
  const evaluator = new Evaluator({
    flags: [simple, complex],
    segments: [
      {
        key: 'beta',
        included: ['b1', 'b2'],
        rules: [{ id: 'r', clauses: [{ attribute: 'plan', op: 'in', values: ['beta'] }] }],
      },
    ],
  });
  const iterations = quick ? 2_000_000 : 10_000_000;
  const contexts = Array.from({ length: 1024 }, (_, i) => ({
    targetingKey: `user-${i}`,
    email: `user-${i}@example.com`,
    appVersion: '2.3.1',
    platform: i % 2 === 0 ? 'web' : 'desktop',
    seats: i % 400,
    plan: 'free',
  }));
  let n = 0;
  const simpleNs = summarize(
    timeCalls(() => evaluator.evaluate('simple', contexts[n++ & 1023]!, false, 'boolean'), iterations, 1000),
  ).p50;
  const complexNs = summarize(
    timeCalls(
      () => evaluator.evaluate('complex', contexts[n++ & 1023]!, false, 'boolean'),
      iterations / 4,
      1000,
    ),
  ).p50;
  return [
    {
      name: 'evaluate simple boolean flag',
      value: simpleNs,
      unit: 'ns/op',
      better: 'lower',
      goal: { value: 100 },
    },
    {
      name: 'evaluate 5 rules (one a 30 % rollout) + target + split',
      value: complexNs,
      unit: 'ns/op',
      better: 'lower',
      goal: { value: 1000 },
    },
  ];
}
