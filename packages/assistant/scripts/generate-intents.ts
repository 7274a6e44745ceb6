/**
 * Regenerates data/intents/{train,test}.jsonl from the templates and data/intents/handwritten.jsonl.
 *   npx tsx packages/assistant/scripts/generate-intents.ts
 * Deterministic: a rerun writes identical files.
 */
import { writeFileSync } from 'node:fs';
import { DATASET_DIR, readJsonl, toJsonl } from '../src/classifier/dataset.js';
import { countByIntent, generateDataset } from './intents/generate.js';

const { train, test } = generateDataset(readJsonl(new URL('handwritten.jsonl', DATASET_DIR)));
writeFileSync(new URL('train.jsonl', DATASET_DIR), toJsonl(train));
writeFileSync(new URL('test.jsonl', DATASET_DIR), toJsonl(test));
console.log(`train ${train.length}, test ${test.length}, total ${train.length + test.length}`);
console.table({ train: countByIntent(train), test: countByIntent(test) });
