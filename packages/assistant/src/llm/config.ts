import { type ConfigOf, env } from '@parley/kit';
import { builtInAnalyst } from './builtin.js';
import { OpenAiCompatibleProvider } from './openai.js';
import type { NarrationProvider } from './provider.js';
import { type BreakerState, ResilientNarrator } from './resilient.js';

/** The language-model settings; without PARLEY_LLM_BASE_URL the built-in analyst narrates. */
export const llmConfigSpec = {
  PARLEY_LLM_BASE_URL: env.url({
    protocols: ['http:', 'https:'],
    description:
      'OpenAI-compatible API (OpenAI, Azure OpenAI, vLLM, Ollama, llama.cpp) that narrates answers; unset, the built-in analyst does',
  }),
  PARLEY_LLM_MODEL: env.string({ default: 'gpt-4o-mini', description: 'Model name sent to the LLM API' }),
  PARLEY_LLM_API_KEY: env.string({ description: 'API key of the LLM API', secret: true }),
  PARLEY_LLM_TIMEOUT: env.duration({
    default: 30_000,
    description: 'Longest an LLM narration may take before the built-in analyst answers instead',
  }),
  PARLEY_LLM_BREAKER_FAILURE_RATE: env.integer({
    default: 50,
    min: 1,
    max: 100,
    description: 'Percentage of failed LLM calls within a minute that opens the circuit breaker',
  }),
  PARLEY_LLM_BREAKER_HALF_OPEN_AFTER: env.duration({
    default: 30_000,
    description: 'How long an open LLM circuit waits before letting one probe call through',
  }),
  PARLEY_LLM_CONCURRENCY: env.integer({
    default: 4,
    min: 0,
    max: 1000,
    description:
      'Narrations this process runs at once from the llm queue (0: none; `parley worker` runs them)',
  }),
  PARLEY_LLM_QUEUE_MAX_WAITING: env.integer({
    default: 500,
    min: 1,
    max: 1_000_000,
    description:
      'Waiting narrations beyond which the llm queue is saturated: answers then keep the built-in narrative',
  }),
};

export type LlmConfig = ConfigOf<typeof llmConfigSpec>;

/** The narrator the configuration asks for: the LLM behind its breaker, or the built-in analyst. */
export function openNarrator(
  config: LlmConfig,
  onBreakerStateChange?: (state: BreakerState) => void,
): NarrationProvider {
  if (!config.PARLEY_LLM_BASE_URL) return builtInAnalyst;
  const provider = new OpenAiCompatibleProvider({
    baseURL: config.PARLEY_LLM_BASE_URL,
    model: config.PARLEY_LLM_MODEL,
    apiKey: config.PARLEY_LLM_API_KEY,
  });
  return new ResilientNarrator(
    provider,
    builtInAnalyst,
    {
      timeoutMs: config.PARLEY_LLM_TIMEOUT,
      failureRate: config.PARLEY_LLM_BREAKER_FAILURE_RATE / 100,
      windowMs: 60_000,
      minimumRps: 0.05,
      halfOpenAfterMs: config.PARLEY_LLM_BREAKER_HALF_OPEN_AFTER,
    },
    onBreakerStateChange,
  );
}
