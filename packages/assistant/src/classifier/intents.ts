/** The intents the assistant routes on. Order is part of the model format: scores follow it. */
export const INTENTS = [
  'metric_query',
  'breakdown',
  'trend_summary',
  'report_request',
  'workflow_action',
  'help_smalltalk',
  'out_of_scope',
  'admin_request',
] as const;

export type Intent = (typeof INTENTS)[number];

export function isIntent(value: string): value is Intent {
  return (INTENTS as readonly string[]).includes(value);
}

/** A labelled utterance as stored in data/intents/*.jsonl. */
export interface LabelledUtterance {
  text: string;
  intent: Intent;
  /** `template:<intent>/<n>` for generated rows, `handwritten` otherwise; held-out splits are by source. */
  source: string;
}
