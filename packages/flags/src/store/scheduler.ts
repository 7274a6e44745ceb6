import type { FlagStore } from './flag-store.js';

export interface SchedulerOptions {
  /** How often due changes are looked for (default 5 s): a change applies at most this late. */
  intervalMs?: number;
  now?: () => number;
  onError?: (error: unknown) => void;
}

/**
 * Applies scheduled flag changes on the service side, so the stored ruleset (and every SDK and
 * OFREP answer) changes at the scheduled time. SDKs also apply due changes locally, which covers
 * an SDK that cannot reach the service at that moment. Returns a function that stops it.
 */
export function runScheduledChanges(store: FlagStore, options: SchedulerOptions = {}): () => void {
  const now = options.now ?? Date.now;
  let running = false;
  const tick = async () => {
    if (running) return;
    running = true;
    try {
      const at = now();
      for (const env of await store.environmentsWithDueChanges(at))
        await store.applyScheduledChanges(env, at);
    } catch (error) {
      options.onError?.(error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void tick(), options.intervalMs ?? 5_000);
  timer.unref();
  void tick();
  return () => clearInterval(timer);
}
