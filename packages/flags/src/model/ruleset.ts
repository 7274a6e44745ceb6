import Type, { type Static } from 'typebox';
import { Flag } from './flag.js';
import { MAX_FLAGS_PER_RULESET } from './limits.js';
import { Segment } from './segment.js';

/** Everything an SDK needs to evaluate one environment's flags locally. */
export const Ruleset = Type.Object(
  {
    flags: Type.Array(Flag, { maxItems: MAX_FLAGS_PER_RULESET }),
    segments: Type.Array(Segment, { maxItems: MAX_FLAGS_PER_RULESET }),
    /** Monotonic per environment; SDKs use it (and the ETag derived from it) to skip old data. */
    version: Type.Optional(Type.Integer({ minimum: 0 })),
  },
  { additionalProperties: false },
);
export type Ruleset = Static<typeof Ruleset>;
