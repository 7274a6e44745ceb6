import { DIMENSIONS, METRICS } from '../semantic/catalog.js';

/** Fixed replies of the fast path: what the assistant says when it does not compute numbers. */

const metricList = Object.values(METRICS)
  .map((m) => m.label.toLowerCase())
  .join(', ');
const dimensionList = Object.values(DIMENSIONS)
  .filter((d) => d.kind === 'attribute')
  .map((d) => d.label.toLowerCase())
  .join(', ');

export const HELP_TEXT = [
  'I answer questions about your sales data.',
  `Metrics: ${metricList}. Break them down by ${dimensionList}, or over time by day, week, month, quarter or year.`,
  'Examples: "revenue last quarter vs last year", "top 5 products by units this year", "monthly margin trend for the last 12 months", "orders by channel in Q3".',
  'Reports ("generate a report of …") run as background jobs.',
].join('\n');

export const ADMIN_TEXT =
  'Users, roles, API keys and audit are managed by your tenant administrators through the administration API (/v1/users, /v1/roles, /v1/apikeys), not through the assistant.';

export const OUT_OF_SCOPE_TEXT =
  'I can only help with your organisation\'s sales data: figures, breakdowns, trends and reports. Try "revenue by region this year".';

export const WORKFLOW_TEXT =
  'That is a workflow action (scheduling, sending, automating). It runs as a background task, not as a quick answer; it cannot be started from this question.';

export const REPORT_TEXT =
  'Reports run as background jobs: a CSV and an HTML document with charts, attached to the answer. Ask for it in a conversation (POST /v1/conversations) to have it generated; the query below is what it will contain.';

export const NO_DATA_TEXT =
  'There is no sales data for your organisation yet. An administrator can load it (parley seed --sales) or connect the warehouse refresh.';

const DENIALS: Record<string, string> = {
  'sales:query': 'Querying sales needs the sales:query permission, which your role does not have.',
  'sales:query_detail':
    'Customer-level detail needs the sales:query_detail permission, which your role does not have. You can ask for aggregates instead, e.g. "revenue by segment".',
  'reports:generate':
    'Generating reports needs the reports:generate permission, which your role does not have.',
};

/** Why a question was refused, naming each missing permission. */
export function denialText(missing: readonly string[]): string {
  return missing.map((p) => DENIALS[p] ?? `This needs the ${p} permission.`).join(' ');
}
