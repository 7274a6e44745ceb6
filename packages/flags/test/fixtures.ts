import type { Flag } from '../src/model/index.js';

/** A boolean flag serving `false` when off and `true` by default. */
export function booleanFlag(key: string, overrides: Partial<Flag> = {}): Flag {
  return {
    key,
    type: 'boolean',
    variations: [{ value: false }, { value: true }],
    on: true,
    offVariation: 0,
    fallthrough: { variation: 1 },
    ...overrides,
  };
}
