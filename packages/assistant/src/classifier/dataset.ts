import { readFileSync } from 'node:fs';
import { isIntent, type LabelledUtterance } from './intents.js';

/** Parses JSON Lines of `{ text, intent, source? }`; a malformed line is an error naming its number. */
export function parseJsonl(content: string): LabelledUtterance[] {
  const rows: LabelledUtterance[] = [];
  content.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const value = JSON.parse(line) as { text?: unknown; intent?: unknown; source?: unknown };
    if (typeof value.text !== 'string' || typeof value.intent !== 'string' || !isIntent(value.intent)) {
      throw new Error(`line ${index + 1}: expected { text, intent } with a known intent`);
    }
    rows.push({
      text: value.text,
      intent: value.intent,
      source: typeof value.source === 'string' ? value.source : 'handwritten',
    });
  });
  return rows;
}

export function toJsonl(rows: LabelledUtterance[]): string {
  return `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
}

export function readJsonl(path: string | URL): LabelledUtterance[] {
  return parseJsonl(readFileSync(path, 'utf8'));
}

/** The committed dataset shipped in the package (data/intents). */
export const DATASET_DIR = new URL('../../data/intents/', import.meta.url);
