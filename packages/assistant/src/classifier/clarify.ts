import type { Classification } from './classifier.js';
import type { Intent } from './intents.js';

/** How the assistant names each intent when it asks which one the user meant. */
const OFFERS: Record<Intent, string> = {
  metric_query: 'a single figure, such as revenue last quarter',
  breakdown: 'a breakdown or ranking, such as revenue by region',
  trend_summary: 'a trend or summary over time',
  report_request: 'a report to download',
  workflow_action: 'to schedule a report or set up an alert',
  help_smalltalk: 'to know what I can do',
  out_of_scope: 'something outside your sales data',
  admin_request: 'to manage users or access',
};

const NO_EVIDENCE =
  'I could not tell what you need. You can ask for a figure ("revenue last quarter"), a breakdown ' +
  '("sales by region this year"), a trend ("summarize sales trends"), or a report.';

/**
 * The clarifying question for a result below the confidence threshold, offering the two most likely
 * readings; undefined when the classifier was confident.
 */
export function clarifyingQuestion(result: Classification): string | undefined {
  if (result.intent !== 'needs_clarification') return undefined;
  const [first, second] = result.candidates;
  // Scores no better than uniform mean the text carried no usable evidence.
  if (!first || !second || first.score - second.score < 1e-9) return NO_EVIDENCE;
  return `Just to be sure: do you want ${OFFERS[first.intent]}, or ${OFFERS[second.intent]}?`;
}
