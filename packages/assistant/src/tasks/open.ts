import type { Logger } from '@parley/kit';
import type { Redis } from 'ioredis';
import type { ConversationStore } from '../conversations/store.js';
import { type LlmConfig, openNarrator } from '../llm/config.js';
import { type BreakerState, ResilientNarrator } from '../llm/resilient.js';
import { NarrationTasks } from './narration-tasks.js';

/** Told about each provider's circuit breaker: once when it is set up, then at every change of state. */
export interface BreakerObserver {
  opened(breaker: string, state: BreakerState): void;
  changed(breaker: string, state: BreakerState): void;
}

/**
 * The llm queue as configured: the narrator (the LLM behind its breaker, or the built-in analyst)
 * and, unless `concurrency` says otherwise, a worker in this process. Each finished narration is
 * written into the conversation answer it was asked for (`conversations`), and an abandoned one
 * settles that answer, wherever the worker runs (server or `parley worker`).
 */
export function openNarrationTasks(options: {
  config: LlmConfig;
  redis: Redis;
  prefix: string;
  logger: Logger;
  concurrency?: number;
  breakers?: BreakerObserver;
  conversations: ConversationStore;
}): Promise<NarrationTasks> {
  const { config, logger } = options;
  let breaker = '';
  const narrator = openNarrator(config, (state) => {
    logger.warn({ breaker, model: config.PARLEY_LLM_MODEL, state }, 'LLM circuit breaker changed state');
    options.breakers?.changed(breaker, state);
  });
  // The breaker is named after the provider it guards.
  if (narrator instanceof ResilientNarrator) {
    breaker = narrator.name;
    options.breakers?.opened(breaker, narrator.state);
  }
  return NarrationTasks.open({
    redis: options.redis,
    prefix: options.prefix,
    narrator,
    logger,
    concurrency: options.concurrency ?? config.PARLEY_LLM_CONCURRENCY,
    maxWaiting: config.PARLEY_LLM_QUEUE_MAX_WAITING,
    attempts: 3,
    // The narrator's own timeout falls back to the built-in analyst well before this.
    jobTimeoutMs: config.PARLEY_LLM_TIMEOUT * 2,
    onNarrated: (data, narration) => options.conversations.completeNarration(data, narration),
    onAbandoned: (data, { id }) => options.conversations.settleNarration(data, id),
  });
}
