/**
 * Trains the intent classifier versions on data/intents/train.jsonl, writes models/intent-v1.json
 * and models/intent-v2.json, and prints accuracy, macro-F1 and the confusion matrix on the held-out
 * split (data/intents/test.jsonl).
 *   npx tsx packages/assistant/scripts/train-classifier.ts
 */
import { writeFileSync } from 'node:fs';
import { MODELS_DIR } from '../src/classifier/classifier.js';
import { DATASET_DIR, readJsonl } from '../src/classifier/dataset.js';
import { formatConfusion } from '../src/classifier/evaluate.js';
import { trainClassifiers } from '../src/classifier/train.js';

const train = readJsonl(new URL('train.jsonl', DATASET_DIR));
const test = readJsonl(new URL('test.jsonl', DATASET_DIR));
const started = performance.now();
const models = trainClassifiers(train, test);
const seconds = ((performance.now() - started) / 1000).toFixed(1);
console.log(`trained on ${train.length} utterances, held-out ${test.length} (${seconds} s)`);

for (const version of ['v1', 'v2'] as const) {
  const artifact = models[version];
  const json = `${JSON.stringify(artifact)}\n`;
  writeFileSync(new URL(`intent-${version}.json`, MODELS_DIR), json);
  const evaluation = models.evaluations[version];
  console.log(
    `\n${version} (${artifact.algorithm}), models/intent-${version}.json ${(json.length / 1024).toFixed(0)} KiB`,
  );
  console.log(
    `held-out accuracy ${(evaluation.accuracy * 100).toFixed(2)} %, macro-F1 ${(evaluation.macroF1 * 100).toFixed(2)} %`,
  );
  console.log(formatConfusion(evaluation));
}
