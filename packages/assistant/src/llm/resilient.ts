import {
  BrokenCircuitError,
  CircuitState,
  circuitBreaker,
  handleAll,
  SamplingBreaker,
  TaskCancelledError,
  TimeoutStrategy,
  timeout,
  wrap,
} from 'cockatiel';
import type { Narration, NarrationOptions, NarrationProvider, NarrationRequest } from './provider.js';

export interface ResilienceOptions {
  /** Longest a narration may take before it is abandoned for the fallback. */
  timeoutMs: number;
  /** Share of failed calls (0–1) within the window that opens the circuit. */
  failureRate: number;
  windowMs: number;
  /** Below this many calls per second the circuit stays closed: a few failures at night prove nothing. */
  minimumRps: number;
  /** How long the circuit stays open before one probe call is let through (half-open). */
  halfOpenAfterMs: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated';

const STATE_NAMES: Record<CircuitState, BreakerState> = {
  [CircuitState.Closed]: 'closed',
  [CircuitState.Open]: 'open',
  [CircuitState.HalfOpen]: 'half-open',
  [CircuitState.Isolated]: 'isolated',
};

/**
 * A provider behind a timeout and a circuit breaker, falling back to another provider (the
 * built-in analyst) when it fails, times out or its circuit is open, so a broken LLM costs an
 * answer its polish, never the answer. A caller's own cancellation is not a failure: it is rethrown.
 */
export class ResilientNarrator implements NarrationProvider {
  readonly name: string;
  readonly model: string;
  private readonly policy;
  private readonly breaker;

  constructor(
    private readonly primary: NarrationProvider,
    private readonly fallback: NarrationProvider,
    options: ResilienceOptions,
    onStateChange: (state: BreakerState) => void = () => {},
  ) {
    this.name = primary.name;
    this.model = primary.model;
    this.breaker = circuitBreaker(handleAll, {
      halfOpenAfter: options.halfOpenAfterMs,
      breaker: new SamplingBreaker({
        threshold: options.failureRate,
        duration: options.windowMs,
        minimumRps: options.minimumRps,
      }),
    });
    this.breaker.onStateChange((state) => onStateChange(STATE_NAMES[state]));
    this.policy = wrap(this.breaker, timeout(options.timeoutMs, TimeoutStrategy.Aggressive));
  }

  get state(): BreakerState {
    return STATE_NAMES[this.breaker.state];
  }

  async narrate(request: NarrationRequest, options: NarrationOptions = {}): Promise<Narration> {
    let streamed = false;
    try {
      return await this.policy.execute(({ signal }) =>
        this.primary.narrate(request, {
          signal: options.signal ? AbortSignal.any([signal, options.signal]) : signal,
          onEvent: (event) => {
            streamed = true;
            options.onEvent?.(event);
          },
        }),
      );
    } catch (error) {
      if (options.signal?.aborted) throw error;
      const reason = failureReason(error);
      if (streamed) options.onEvent?.({ type: 'fallback', reason });
      const narration = await this.fallback.narrate(request, options);
      return { ...narration, fallbackReason: reason };
    }
  }
}

function failureReason(error: unknown): string {
  if (error instanceof BrokenCircuitError) return 'circuit open';
  if (error instanceof TaskCancelledError) return 'timed out';
  return error instanceof Error ? error.message : String(error);
}
