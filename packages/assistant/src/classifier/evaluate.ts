import type { Intent, LabelledUtterance } from './intents.js';

export interface IntentFigures {
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface Evaluation {
  samples: number;
  accuracy: number;
  /** Unweighted mean of the per-intent F1 scores. */
  macroF1: number;
  perIntent: Record<string, IntentFigures>;
  /** confusion[actual][predicted], in `intents` order. */
  confusion: number[][];
  intents: readonly Intent[];
}

export function evaluate(
  rows: LabelledUtterance[],
  predict: (text: string) => Intent,
  intents: readonly Intent[],
): Evaluation {
  const index = new Map(intents.map((intent, i) => [intent, i]));
  const confusion = intents.map(() => intents.map(() => 0));
  let correct = 0;
  for (const row of rows) {
    const predicted = predict(row.text);
    confusion[index.get(row.intent)!]![index.get(predicted)!]!++;
    if (predicted === row.intent) correct++;
  }
  const perIntent: Record<string, IntentFigures> = {};
  let f1Sum = 0;
  intents.forEach((intent, i) => {
    const tp = confusion[i]![i]!;
    const predicted = confusion.reduce((sum, row) => sum + row[i]!, 0);
    const support = confusion[i]!.reduce((sum, n) => sum + n, 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    perIntent[intent] = { precision, recall, f1, support };
    f1Sum += f1;
  });
  return {
    samples: rows.length,
    accuracy: rows.length ? correct / rows.length : 0,
    macroF1: f1Sum / intents.length,
    perIntent,
    confusion,
    intents,
  };
}

const ABBREVIATIONS: Record<string, string> = {
  metric_query: 'metric',
  breakdown: 'brkdwn',
  trend_summary: 'trend',
  report_request: 'report',
  workflow_action: 'workflw',
  help_smalltalk: 'help',
  out_of_scope: 'oos',
  admin_request: 'admin',
};

/** The confusion matrix as an aligned text table (rows: actual, columns: predicted). */
export function formatConfusion(evaluation: Evaluation): string {
  const names = evaluation.intents.map((intent) => ABBREVIATIONS[intent] ?? intent);
  const width = Math.max(7, ...names.map((n) => n.length));
  const cell = (text: string) => text.padStart(width);
  const lines = [`${'actual \\ predicted'.padEnd(16)} ${names.map(cell).join(' ')}`];
  evaluation.confusion.forEach((row, i) => {
    lines.push(`${evaluation.intents[i]!.padEnd(16)} ${row.map((n) => cell(String(n))).join(' ')}`);
  });
  return lines.join('\n');
}
