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

export interface WindowRequest {
  key: string;
  limit: number;
}

/** What a request needs before it may proceed: its token not revoked, room in its rate limits. */
export interface Admission {
  /** The access token's jti, looked up on the deny-list first; a denied token consumes nothing. */
  jti?: string;
  /** Consumed in order; the first full window stops the rest. */
  windows: WindowRequest[];
  windowMs: number;
}

export interface AdmissionResult {
  tokenDenied: boolean;
  /** One per window checked (empty when the token is denied). */
  windows: WindowResult[];
}

/**
 * State the processes of one deployment share: the access-token deny-list, sliding-window
 * counters for rate limits and login throttling, and the invalidation channel. Redis provides it
 * across processes; the in-process implementation serves a single process only.
 */
export interface SharedState {
  readonly kind: 'redis' | 'memory';
  denyToken(jti: string, ttlMs: number): Promise<void>;
  /** The deny-list check and the rate-limit windows of one request, atomically, in one round trip. */
  admit(admission: Admission): Promise<AdmissionResult>;
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
