import type { Logger } from '@parley/kit';
import type { Redis } from 'ioredis';
import { type LlmConfig, openNarrator } from '../llm/config.js';
import type { BreakerState } from '../llm/resilient.js';
import { NarrationTasks, type NarrationTasksOptions } from './narration-tasks.js';

/**
 * The llm queue as configured: the narrator (the LLM behind its breaker, or the built-in analyst)
 * and, unless `concurrency` says otherwise, a worker in this process.
 */
export function openNarrationTasks(options: {
  config: LlmConfig;
  redis: Redis;
  prefix: string;
  logger: Logger;
  concurrency?: number;
  onBreakerStateChange?: (state: BreakerState) => void;
  onNarrated?: NarrationTasksOptions['onNarrated'];
}): Promise<NarrationTasks> {
  const { config, logger } = options;
  const narrator = openNarrator(config, (state) => {
    logger.warn({ provider: config.PARLEY_LLM_MODEL, state }, 'LLM circuit breaker changed state');
    options.onBreakerStateChange?.(state);
  });
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
    onNarrated: options.onNarrated,
  });
}
