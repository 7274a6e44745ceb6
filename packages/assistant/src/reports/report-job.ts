import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { type Clock, newId } from '@parley/kit';
import { UnrecoverableError } from 'bullmq';
import type { SalesWarehouse } from '../analytics/warehouse-service.js';
import type { FileStore } from '../conversations/files/file-store.js';
import type { ConversationStore } from '../conversations/store.js';
import { formatRange } from '../narrative/format.js';
import { DIMENSIONS, METRICS } from '../semantic/catalog.js';
import type { QueryPlan } from '../semantic/plan.js';
import { validatePlan } from '../semantic/planner.js';
import type { TaskContext, TaskData } from '../tasks/task-queue.js';
import { tableCsv } from './csv.js';
import { reportHtml } from './html.js';

export interface ReportTaskData extends TaskData {
  /** The question as asked, shown in the report. */
  question: string;
  /** The semantic layer's plan the answerer made and checked permissions for. */
  plan: QueryPlan;
  /** The assistant message the report's files are attached to. */
  target: { conversationId: string; messageId: string };
}

export interface ReportFile {
  id: string;
  filename: string;
  mediaType: string;
  sizeBytes: number;
  sha256: string;
  /** Where to download it (the conversation's attachment route, with its permission checks). */
  href: string;
}

export interface ReportResult {
  title: string;
  files: ReportFile[];
  rows: number;
  dataVersion: number;
}

export interface ReportDependencies {
  /** The numbers come through the semantic layer and the answer cache, never from SQL written here. */
  warehouse: Pick<SalesWarehouse, 'version' | 'presentation'>;
  files: FileStore;
  store: ConversationStore;
  clock: Clock;
}

const STEPS = 3;

/** "Revenue and units by region, Q3 2025": the report's title from the plan's names. */
export function reportTitle(plan: QueryPlan): string {
  const metrics = plan.metrics.map((m) =>
    m.name === 'growth' ? `${METRICS[m.of].label} growth` : METRICS[m.name].label,
  );
  const metricText =
    metrics.length > 1 ? `${metrics.slice(0, -1).join(', ')} and ${metrics.at(-1)}` : metrics[0];
  const by = plan.dimensions.map((d) => DIMENSIONS[d].label.toLowerCase()).join(' and ');
  return `${metricText}${by ? ` by ${by}` : ''}, ${formatRange(plan.timeRange, plan.timeRange.grain)}`;
}

/** `revenue-by-region-2025-11-23`: built from semantic-layer names only, so always a safe filename. */
function fileBase(plan: QueryPlan, generatedAt: string): string {
  const metrics = plan.metrics.map((m) => m.name).join('-');
  const by = plan.dimensions.length > 0 ? `-by-${plan.dimensions.join('-')}` : '';
  return `${metrics}${by}-${generatedAt.slice(0, 10)}`.replaceAll('_', '-');
}

/**
 * One report: compute the plan's numbers through the semantic layer, render a CSV and a
 * self-contained HTML document (chart as inline SVG), store both as attachments of the answer and
 * complete it, in one transaction. A failed attempt leaves no file and no row behind.
 */
export async function generateReport(
  data: ReportTaskData,
  context: TaskContext,
  deps: ReportDependencies,
): Promise<ReportResult> {
  let plan: QueryPlan;
  try {
    // The plan crossed Redis: checked again, and a bad one is not worth retrying.
    plan = validatePlan(data.plan);
  } catch (error) {
    throw new UnrecoverableError(`the report's plan is invalid: ${(error as Error).message}`);
  }
  const { tenantId, target } = data;
  context.progress({ type: 'progress', stage: 'computing', step: 1, steps: STEPS });
  const dataVersion = await deps.warehouse.version(tenantId);
  const { value } = await deps.warehouse.presentation(tenantId, dataVersion, plan);
  context.signal.throwIfAborted();

  context.progress({ type: 'progress', stage: 'rendering', step: 2, steps: STEPS });
  const table = value.table ?? { columns: [], rows: [] };
  const title = reportTitle(plan);
  const generatedAt = new Date(deps.clock.now()).toISOString();
  const html = reportHtml({
    title,
    question: data.question,
    period: formatRange(plan.timeRange, plan.timeRange.grain),
    ...(plan.comparison ? { comparison: formatRange(plan.comparison.range, plan.timeRange.grain) } : {}),
    generatedAt,
    dataVersion,
    narrative: value.text,
    table,
    analysis: value.analysis,
  });
  const base = fileBase(plan, generatedAt);
  const rendered = [
    { filename: `${base}.csv`, mediaType: 'text/csv', bytes: Buffer.from(tableCsv(table)) },
    { filename: `${base}.html`, mediaType: 'text/html', bytes: Buffer.from(html) },
  ];
  context.signal.throwIfAborted();

  context.progress({ type: 'progress', stage: 'storing', step: 3, steps: STEPS });
  const stored = rendered.map((file) => {
    const id = newId();
    return {
      ...file,
      id,
      storageKey: `${tenantId}/${target.conversationId}/${id}`,
      sizeBytes: file.bytes.length,
      sha256: createHash('sha256').update(file.bytes).digest('hex'),
    };
  });
  const files: ReportFile[] = stored.map(({ id, filename, mediaType, sizeBytes, sha256 }) => ({
    id,
    filename,
    mediaType,
    sizeBytes,
    sha256,
    href: `/v1/conversations/${target.conversationId}/attachments/${id}`,
  }));
  try {
    for (const file of stored) await deps.files.put(file.storageKey, Readable.from([file.bytes]));
    context.signal.throwIfAborted();
    await deps.store.completeReport(tenantId, {
      conversationId: target.conversationId,
      messageId: target.messageId,
      uploaderId: data.subject,
      files: stored.map(({ bytes: _bytes, ...row }) => row),
      content: `Your report “${title}” is ready: ${files.map((f) => f.filename).join(' and ')}.\n\n${value.text}`,
      report: { taskId: context.id, state: 'completed', files },
      now: new Date(deps.clock.now()),
    });
  } catch (error) {
    for (const file of stored) await deps.files.delete(file.storageKey);
    throw error;
  }
  return { title, files, rows: table.rows.length, dataVersion };
}
