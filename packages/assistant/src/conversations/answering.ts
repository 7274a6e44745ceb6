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
}
