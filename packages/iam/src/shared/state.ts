/** An invalidation message every process of the deployment receives. */
export type Invalidation =
  | { type: 'principal'; tenantId: string; subject: string }
  | { type: 'tenant'; tenantId: string }
  | { type: 'signing-keys' };

export interface WindowResult {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** Milliseconds until the oldest counted hit leaves the window (a slot frees up). */
  resetMs: number;
}

/**
 * State the processes of one deployment share: the access-token deny-list, sliding-window
 * counters for rate limits and login throttling, and the invalidation channel. Redis provides it
 * across processes; the in-process implementation serves a single process only.
 */
export interface SharedState {
  readonly kind: 'redis' | 'memory';
  denyToken(jti: string, ttlMs: number): Promise<void>;
  isTokenDenied(jti: string): Promise<boolean>;
  /**
   * Sliding-window log: counts hits of `key` in the last `windowMs`. With `consume`, records a hit
   * when under the limit; without, only reports.
   */
  slidingWindow(key: string, limit: number, windowMs: number, consume: boolean): Promise<WindowResult>;
  /** Forgets a window, e.g. failed logins after a success. */
  resetWindow(key: string): Promise<void>;
  publish(message: Invalidation): Promise<void>;
  subscribe(handler: (message: Invalidation) => void): void;
  close(): Promise<void>;
}
