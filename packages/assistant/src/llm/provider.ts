import type { AnalysisResult } from '../narrative/results.js';

/** What a provider is asked to narrate: the question and the numbers Parley computed for it. */
export interface NarrationRequest {
  question: string;
  result: AnalysisResult;
}

/** Progress of a narration, for streaming to the user as it is written. */
export type NarrationEvent =
  | { type: 'token'; text: string }
  /** The provider failed after streaming part of its text: what was streamed is void, the fallback follows. */
  | { type: 'fallback'; reason: string };

export interface NarrationOptions {
  signal?: AbortSignal;
  onEvent?: (event: NarrationEvent) => void;
}

export interface Narration {
  text: string;
  /** The provider that wrote it, e.g. `openai-compatible` or `builtin`. */
  provider: string;
  model: string;
  /** Shown with the text, so a reader knows who wrote it. */
  label: string;
  tokens?: { prompt: number; completion: number };
  /** Set when the configured provider failed and the built-in analyst answered instead. */
  fallbackReason?: string;
}

/** Writes the narrative of computed results. Providers narrate; they never compute numbers or write SQL. */
export interface NarrationProvider {
  readonly name: string;
  readonly model: string;
  narrate(request: NarrationRequest, options?: NarrationOptions): Promise<Narration>;
}
