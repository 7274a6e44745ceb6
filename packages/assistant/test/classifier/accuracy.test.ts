import { describe, expect, it } from 'vitest';
import { loadClassifier, readArtifact } from '../../src/classifier/classifier.js';
import { DATASET_DIR, readJsonl } from '../../src/classifier/dataset.js';
import { evaluate } from '../../src/classifier/evaluate.js';
import { INTENTS } from '../../src/classifier/intents.js';

const test = readJsonl(new URL('test.jsonl', DATASET_DIR));

describe('committed intent models on the held-out split', () => {
  it.each([
    ['v1', 0.85],
    ['v2', 0.92],
  ] as const)('%s reaches at least %d accuracy', (version, required) => {
    const evaluation = evaluate(test, loadClassifier(version).predict, INTENTS);
    expect(evaluation.accuracy).toBeGreaterThanOrEqual(required);
    expect(evaluation.macroF1).toBeGreaterThan(required - 0.02);
    // The figures recorded in the artifact are the ones measured now.
    const { heldOut } = readArtifact(version);
    expect(heldOut.samples).toBe(test.length);
    expect(heldOut.accuracy).toBeCloseTo(evaluation.accuracy, 10);
    expect(heldOut.macroF1).toBeCloseTo(evaluation.macroF1, 10);
  });

  it('v2 is better than v1', () => {
    const v1 = evaluate(test, loadClassifier('v1').predict, INTENTS);
    const v2 = evaluate(test, loadClassifier('v2').predict, INTENTS);
    expect(v2.accuracy).toBeGreaterThan(v1.accuracy);
  });
});
