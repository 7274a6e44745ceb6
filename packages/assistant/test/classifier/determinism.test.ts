import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MODELS_DIR } from '../../src/classifier/classifier.js';
import { DATASET_DIR, readJsonl } from '../../src/classifier/dataset.js';
import { trainClassifiers } from '../../src/classifier/train.js';

describe('training', () => {
  it('reproduces the committed artifacts exactly', () => {
    const train = readJsonl(new URL('train.jsonl', DATASET_DIR));
    const test = readJsonl(new URL('test.jsonl', DATASET_DIR));
    const models = trainClassifiers(train, test);
    for (const version of ['v1', 'v2'] as const) {
      const committed = readFileSync(new URL(`intent-${version}.json`, MODELS_DIR), 'utf8');
      expect(`${JSON.stringify(models[version])}\n`).toBe(committed);
      expect(committed.length).toBeLessThan(3 * 1024 * 1024);
    }
  });
});
