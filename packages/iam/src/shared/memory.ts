import { type Clock, systemClock } from '@parley/kit';
import type { Admission, AdmissionResult, Invalidation, SharedState, WindowResult } from './state.js';

/**
 * SharedState inside one process. Correct for a single server process only: a second process
 * would have its own deny-list and counters. Deployments with several processes set REDIS_URL.
 */
export class MemoryState implements SharedState {
  readonly kind = 'memory';
  private readonly denied = new Map<string, number>();
  private readonly windows = new Map<string, { hits: number[]; head: number; windowMs: number }>();
  private calls = 0;
  private readonly handlers: ((message: Invalidation) => void)[] = [];

  constructor(private readonly clock: Clock = systemClock) {}

  async denyToken(jti: string, ttlMs: number): Promise<void> {
    this.sweep();
    this.denied.set(jti, this.clock.now() + ttlMs);
  }

  async admit({ jti, windows, windowMs }: Admission): Promise<AdmissionResult> {
    const until = jti === undefined ? undefined : this.denied.get(jti);
    if (until !== undefined && until > this.clock.now()) return { tokenDenied: true, windows: [] };
    const results: WindowResult[] = [];
    for (const { key, limit } of windows) {
      const result = await this.slidingWindow(key, limit, windowMs, true);
      results.push(result);
      if (!result.allowed) break;
    }
    return { tokenDenied: false, windows: results };
  }

  async slidingWindow(key: string, limit: number, windowMs: number, consume: boolean): Promise<WindowResult> {
    const now = this.clock.now();
    if (++this.calls % 10_000 === 0) this.sweepWindows(now);
    let window = this.windows.get(key);
    if (!window) {
      window = { hits: [], head: 0, windowMs };
      this.windows.set(key, window);
    }
    // Hits are appended in time order, so expired ones are always at the front: O(1) amortised.
    const { hits } = window;
    while (window.head < hits.length && hits[window.head]! <= now - windowMs) window.head++;
    if (window.head > 1024 && window.head * 2 > hits.length) {
      hits.splice(0, window.head);
      window.head = 0;
    }
    let count = hits.length - window.head;
    const allowed = count < limit;
    if (allowed && consume) {
      hits.push(now);
      count++;
    }
    if (count === 0) this.windows.delete(key);
    const oldest = hits[window.head];
    return {
      allowed,
      limit,
      remaining: Math.max(0, limit - count),
      resetMs: oldest === undefined ? 0 : oldest + windowMs - now,
    };
  }

  async resetWindow(key: string): Promise<void> {
    this.windows.delete(key);
  }

  async publish(message: Invalidation): Promise<void> {
    for (const handler of this.handlers) handler(message);
  }

  subscribe(handler: (message: Invalidation) => void): void {
    this.handlers.push(handler);
  }

  async close(): Promise<void> {}

  /** Drops windows whose every hit has expired: keys of callers that went away. */
  private sweepWindows(now: number): void {
    for (const [key, window] of this.windows) {
      const last = window.hits[window.hits.length - 1];
      if (last === undefined || last <= now - window.windowMs) this.windows.delete(key);
    }
  }

  /** Drops expired deny-list entries so the map does not grow without bound. */
  private sweep(): void {
    if (this.denied.size < 10_000) return;
    const now = this.clock.now();
    for (const [jti, until] of this.denied) if (until <= now) this.denied.delete(jti);
  }
}
