import { describe, expect, it } from 'vitest';
import type { Ruleset } from '../src/model/index.js';
import { changedFlagKeys } from '../src/sdk/changes.js';
import { booleanFlag } from './fixtures.js';

const segmentRule = {
  id: 's',
  clauses: [{ attribute: 'segment', op: 'segmentMatch' as const, values: ['beta'] }],
  serve: { variation: 1 },
};

describe('changedFlagKeys', () => {
  const before: Ruleset = {
    flags: [
      booleanFlag('a', { version: 1 }),
      booleanFlag('b', { version: 4 }),
      booleanFlag('c', { version: 1, rules: [segmentRule] }),
      booleanFlag('gone', { version: 1 }),
    ],
    segments: [{ key: 'beta', included: ['x'], version: 1 }],
  };

  it('reports edited (by version), added and removed flags only', () => {
    const after: Ruleset = {
      flags: [
        booleanFlag('a', { version: 1 }),
        booleanFlag('b', { version: 5, on: false }),
        booleanFlag('c', { version: 1, rules: [segmentRule] }),
        booleanFlag('new', { version: 1 }),
      ],
      segments: before.segments,
    };
    expect(changedFlagKeys(before, after).sort()).toEqual(['b', 'gone', 'new']);
  });

  it('reports flags that use an edited or removed segment', () => {
    const edited: Ruleset = { ...before, segments: [{ key: 'beta', included: ['y'], version: 2 }] };
    expect(changedFlagKeys(before, edited)).toEqual(['c']);
    expect(changedFlagKeys(before, { ...before, segments: [] })).toEqual(['c']);
  });

  it('compares whole definitions when there are no versions', () => {
    const a: Ruleset = { flags: [booleanFlag('a'), booleanFlag('b')], segments: [] };
    expect(
      changedFlagKeys(a, { flags: [booleanFlag('a'), booleanFlag('b', { on: false })], segments: [] }),
    ).toEqual(['b']);
    expect(changedFlagKeys(undefined, a)).toEqual(['a', 'b']);
  });
});
