import { INTENTS, type Intent, type LabelledUtterance } from '../../src/classifier/intents.js';
import { mulberry32, shuffle } from '../../src/classifier/prng.js';
import { framesFor, SLOTS, TEMPLATES } from './templates.js';

export interface DatasetOptions {
  seed: number;
  /** Utterances drawn per template (fewer when the template's slots cannot make that many distinct). */
  perTemplate: number;
  /** Share of each intent's templates (and hand-written rows) held out for the test split. */
  testShare: number;
}

export const DEFAULT_DATASET_OPTIONS: DatasetOptions = { seed: 20251122, perTemplate: 12, testShare: 0.2 };

export interface Dataset {
  train: LabelledUtterance[];
  test: LabelledUtterance[];
}

const SLOT = /\{(\w*)\}/g;

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

/** Swaps two adjacent letters in one longer word: the kind of typo people make in chat. */
function typo(text: string, random: () => number): string {
  const words = text.split(' ');
  const candidates = words.map((w, i) => (/^[a-z]{5,}$/.test(w) ? i : -1)).filter((i) => i >= 0);
  if (candidates.length === 0) return text;
  const index = pick(candidates, random);
  const word = words[index]!;
  const at = 1 + Math.floor(random() * (word.length - 2));
  words[index] = word.slice(0, at) + word[at + 1] + word[at] + word.slice(at + 2);
  return words.join(' ');
}

function fill(template: string, frame: string, random: () => number): string {
  let text = template.replace(SLOT, (_, name: string) => {
    const values = SLOTS[name];
    if (!values) throw new Error(`template slot {${name}} has no fillers`);
    return pick(values, random);
  });
  text = frame.replace('{}', text);
  const style = random();
  if (style < 0.25) text = text[0]!.toUpperCase() + text.slice(1);
  else if (style < 0.35) text = text.toLowerCase();
  if (random() < 0.08) text = typo(text, random);
  return text.replace(/\s+/g, ' ').trim();
}

const key = (text: string) => text.toLowerCase();

/**
 * Builds the dataset deterministically from the templates and the hand-written rows. The test split
 * holds out whole templates (stratified per intent), so no test sentence shares its template with
 * a training sentence; every fifth hand-written row per intent is held out too. A text that lands in
 * both splits is kept in test only.
 */
export function generateDataset(
  handwritten: LabelledUtterance[],
  options = DEFAULT_DATASET_OPTIONS,
): Dataset {
  const random = mulberry32(options.seed);
  const train: LabelledUtterance[] = [];
  const test: LabelledUtterance[] = [];
  for (const intent of INTENTS) {
    const { templates } = TEMPLATES[intent];
    const order = shuffle(
      templates.map((_, i) => i),
      random,
    );
    const heldOut = new Set(order.slice(0, Math.ceil(templates.length * options.testShare)));
    templates.forEach((template, index) => {
      const frames = framesFor(intent, template);
      const seen = new Set<string>();
      for (let attempt = 0; attempt < options.perTemplate * 4 && seen.size < options.perTemplate; attempt++) {
        const text = fill(template, pick(frames, random), random);
        if (seen.has(key(text))) continue;
        seen.add(key(text));
        const row = { text, intent, source: `template:${intent}/${index}` };
        (heldOut.has(index) ? test : train).push(row);
      }
    });
    handwritten
      .filter((row) => row.intent === intent)
      .forEach((row, index) => {
        (index % 5 === 4 ? test : train).push({ text: row.text, intent, source: 'handwritten' });
      });
  }
  const testKeys = new Set(test.map((row) => key(row.text)));
  const trainKeys = new Set<string>();
  const dedupedTrain = train.filter((row) => {
    const k = key(row.text);
    if (testKeys.has(k) || trainKeys.has(k)) return false;
    trainKeys.add(k);
    return true;
  });
  const testSeen = new Set<string>();
  const dedupedTest = test.filter((row) => {
    const k = key(row.text);
    if (testSeen.has(k)) return false;
    testSeen.add(k);
    return true;
  });
  return { train: dedupedTrain, test: dedupedTest };
}

export function countByIntent(rows: LabelledUtterance[]): Record<Intent, number> {
  const counts = Object.fromEntries(INTENTS.map((i) => [i, 0])) as Record<Intent, number>;
  for (const row of rows) counts[row.intent]++;
  return counts;
}
