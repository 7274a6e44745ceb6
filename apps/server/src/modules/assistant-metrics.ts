import type { BreakerObserver, BreakerState, QueueCounts } from '@parley/assistant';
import type { Logger } from '@parley/kit';
import { Counter, Gauge, type Registry } from 'prom-client';

/** 0 closed, 1 open, 2 half-open: the values alert rules compare against. Isolated is held open by hand. */
const STATE_VALUES: Record<BreakerState, number> = { closed: 0, open: 1, 'half-open': 2, isolated: 1 };

/**
 * `parley_circuit_breaker_state{breaker}` and `parley_circuit_breaker_transitions_total{breaker,to}`
 * for the providers' circuit breakers (breaker = provider name).
 */
export function breakerMetrics(registry: Registry): BreakerObserver {
  replace(registry, 'parley_circuit_breaker_state', 'parley_circuit_breaker_transitions_total');
  const state = new Gauge({
    name: 'parley_circuit_breaker_state',
    help: 'State of a circuit breaker around a provider: 0 closed, 1 open, 2 half-open',
    labelNames: ['breaker'] as const,
    registers: [registry],
  });
  const transitions = new Counter({
    name: 'parley_circuit_breaker_transitions_total',
    help: 'Changes of state of a circuit breaker, by the state it changed to',
    labelNames: ['breaker', 'to'] as const,
    registers: [registry],
  });
  return {
    opened(breaker, initial) {
      state.set({ breaker }, STATE_VALUES[initial]);
      // Every series exists from the start, so increase() sees the first transition.
      for (const to of ['open', 'half-open', 'closed']) transitions.inc({ breaker, to }, 0);
    },
    changed(breaker, to) {
      state.set({ breaker }, STATE_VALUES[to]);
      transitions.inc({ breaker, to });
    },
  };
}

const STATES: readonly (keyof QueueCounts)[] = ['waiting', 'active', 'delayed', 'failed', 'completed'];

export interface CountedQueue {
  name: string;
  counts(): Promise<QueueCounts>;
}

/**
 * `parley_queue_jobs{queue,state}`: BullMQ's job counts, read when /metrics is scraped. A queue
 * that does not answer within `timeoutMs` drops its series for that scrape (logged), so a scrape
 * never hangs on Redis and never reports stale counts as current.
 */
export function queueMetrics(
  registry: Registry,
  queues: readonly CountedQueue[],
  logger: Logger,
  timeoutMs = 1000,
): void {
  replace(registry, 'parley_queue_jobs');
  new Gauge({
    name: 'parley_queue_jobs',
    help: 'Jobs in a task queue by state (waiting includes prioritised jobs), read at scrape time',
    labelNames: ['queue', 'state'] as const,
    registers: [registry],
    async collect() {
      await Promise.all(
        queues.map(async (queue) => {
          try {
            const counts = await withTimeout(queue.counts(), timeoutMs);
            for (const [state, value] of Object.entries(counts))
              this.set({ queue: queue.name, state }, value);
          } catch (error) {
            for (const state of STATES) this.remove({ queue: queue.name, state });
            logger.warn({ queue: queue.name, err: (error as Error).message }, 'queue job counts unavailable');
          }
        }),
      );
    },
  });
}

/** A module opened again in the same process (a restart in place) replaces its series. */
function replace(registry: Registry, ...names: string[]): void {
  for (const name of names) registry.removeSingleMetric(name);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
