import { ManualClock } from '@parley/kit';
import { describe, expect, it } from 'vitest';
import { INTENTS } from '../../src/classifier/intents.js';
import { mulberry32 } from '../../src/classifier/prng.js';
import { PlanError, planQuery } from '../../src/semantic/index.js';
import { extractSlots, Gazetteer } from '../../src/slots/index.js';
import { tenantValues } from './tenant.js';

// Words that exercise every extractor, shuffled into nonsense: the extractors and the planner must
// either understand it or refuse with a PlanError, never crash or produce an invalid range.
const VOCABULARY = (
  'revenue sales by per top bottom 5 ten 0 99999 q1 q4 h2 first half quarter month week year day ' +
  'last this previous since from to between and vs versus compared with over yoy mom w/w ytd mtd ' +
  'january feb march may december 2019 2024 2025 2031 2024-02-29 2025-02-30 of in the region product ' +
  'customers channel segment country emea nothern europe home & garden - – , ? which highest lowest ' +
  'growth aov margin units orders 12 months days weeks years ago same period time'
).split(' ');

describe('slot extraction and planning on random word salad', () => {
  it('never crashes and keeps ranges valid', () => {
    const random = mulberry32(7);
    const gazetteer = new Gazetteer(tenantValues);
    const clock = new ManualClock(Date.parse('2025-11-22T10:00:00Z'));
    for (let i = 0; i < 3000; i++) {
      const words = Array.from(
        { length: 1 + Math.floor(random() * 12) },
        () => VOCABULARY[Math.floor(random() * VOCABULARY.length)]!,
      );
      const question = words.join(random() < 0.5 ? ' ' : '  ');
      const slots = extractSlots(question, { clock, gazetteer });
      if (slots.time) expect(slots.time.start < slots.time.end, question).toBe(true);
      if (slots.comparison?.range)
        expect(slots.comparison.range.start < slots.comparison.range.end, question).toBe(true);
      const intent = INTENTS[Math.floor(random() * 4)]!;
      try {
        const plan = planQuery(intent, slots, clock.now());
        expect(plan.metrics.length, question).toBeGreaterThan(0);
      } catch (error) {
        expect(error, question).toBeInstanceOf(PlanError);
      }
    }
  });
});
