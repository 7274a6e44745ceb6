import type { AnalysisResult } from '../narrative/results.js';
import type { ReportTaskData } from '../reports/report-job.js';
import type { QueryPlan } from '../semantic/plan.js';
import type { NarrationTaskData } from '../tasks/narration-tasks.js';
import type { Submission } from '../tasks/task-queue.js';

/**
 * What the conversation service needs from the assistant to answer a question. The sales
 * assistant's `Answerer` satisfies it; the service stores whatever it returns as the answer.
 */
export interface AnswerSource {
  answer(request: {
    tenantId: string;
    permissions: ReadonlySet<string>;
    question: string;
    /** Milliseconds since the epoch: relative dates in the question resolve against it. */
    now: number;
    /** Who asked, for the audit record of a refusal. */
    subject: string;
    /** The branch's earlier questions and their answers' intents, oldest first (for follow-ups). */
    history?: readonly { question: string; intent: string }[];
  }): Promise<AnswerLike>;
}

export interface AnswerLike {
  text: string;
  intent: string;
  confidence: number;
  classifierVersion: string;
  provider?: string;
  model?: string;
  promptTokens?: number;
  completionTokens?: number;
  table?: unknown;
  chart?: unknown;
  /** `task_required` with a plan: a report to generate on the reports queue. */
  kind?: string;
  plan?: QueryPlan;
  /** The computed numbers behind the text; with a narration queue, a language model re-narrates them. */
  analysis?: AnalysisResult;
}

/** Where answers go to be narrated by a language model, off the request path (the llm queue). */
export interface NarrationQueue {
  /** Queues a narration; `id` names the task, so the answer can record it before the task runs. */
  submit(data: NarrationTaskData, options?: { id?: string }): Promise<Submission>;
}

/** Where report requests go to be generated off the request path (the reports queue). */
export interface ReportQueue {
  submit(data: ReportTaskData, options: { id: string; priority?: number }): Promise<Submission>;
}
