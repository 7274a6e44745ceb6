import type { SuggestResponse } from '../suggester.js';

export interface SuggestClientOptions {
  /** Where the API is mounted, e.g. `https://parley.example.com` (no trailing slash needed). */
  baseUrl: string;
  /** Quiet time after the last keystroke before a request goes out (default 100 ms). */
  debounceMs?: number;
  /** Answers kept in memory, least recently used dropped first (default 200). */
  cacheSize?: number;
  /** How long a cached answer is used (default 60 s). */
  cacheTtlMs?: number;
  limit?: number;
  /** Extra headers per request, e.g. the Authorization header. */
  headers?: () => Record<string, string>;
  fetch?: typeof fetch;
  now?: () => number;
}

export class SuggestRequestError extends Error {
  constructor(
    readonly status: number,
    readonly problem: unknown,
  ) {
    super(`Suggest request failed with HTTP ${status}`);
    this.name = 'SuggestRequestError';
  }
}

interface Waiter {
  resolve: (answer: SuggestResponse) => void;
  reject: (error: unknown) => void;
}

interface Cached {
  at: number;
  answer: Promise<SuggestResponse>;
}

const EMPTY = (query: string): SuggestResponse => ({
  query,
  suggestions: [],
  personalized: false,
  generation: 0,
});

/**
 * Browser-side helper for a search box: debounces keystrokes, cancels requests that a newer
 * keystroke made useless, keeps recent answers (so backspacing is instant) and can prefetch.
 * Uses only `fetch`, `AbortController` and timers, so it runs in browsers and in Node.
 */
export class SuggestClient {
  private readonly options: Required<Omit<SuggestClientOptions, 'headers'>> &
    Pick<SuggestClientOptions, 'headers'>;
  private readonly cache = new Map<string, Cached>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Callers waiting for the debounce to end. */
  private waiting: Waiter[] = [];
  /** The request on the wire and the callers it will answer. */
  private inFlight: { controller: AbortController; waiters: Waiter[] } | undefined;

  constructor(options: SuggestClientOptions) {
    this.options = {
      debounceMs: 100,
      cacheSize: 200,
      cacheTtlMs: 60_000,
      limit: 10,
      fetch: globalThis.fetch.bind(globalThis),
      now: () => Date.now(),
      ...options,
      baseUrl: options.baseUrl.replace(/\/+$/, ''),
    };
  }

  /**
   * Suggestions for what is typed now. Earlier calls still waiting (debounced, or on the wire and
   * now cancelled) get the same answer as this one; a cached answer comes back at once.
   */
  suggest(typed: string): Promise<SuggestResponse> {
    const key = cacheKey(typed);
    return new Promise<SuggestResponse>((resolve, reject) => {
      this.waiting.push({ resolve, reject });
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      const cached = key.length === 0 ? Promise.resolve(EMPTY(key)) : this.fresh(key);
      if (cached !== undefined) this.deliver(cached, this.takeWaiters());
      else this.timer = setTimeout(() => this.send(key), this.options.debounceMs);
    });
  }

  /** Fetches an answer into the cache now, without debounce (e.g. for likely next prefixes). */
  prefetch(typed: string): void {
    const key = cacheKey(typed);
    if (key.length > 0 && this.fresh(key) === undefined)
      this.fetchInto(key, new AbortController()).catch(() => {});
  }

  clear(): void {
    this.cache.clear();
  }

  private send(key: string): void {
    this.timer = undefined;
    const waiters = this.takeWaiters();
    const controller = new AbortController();
    this.inFlight = { controller, waiters };
    this.deliver(this.fetchInto(key, controller), waiters, controller);
  }

  /** The debounced callers plus those of a request that is now useless (which is cancelled). */
  private takeWaiters(): Waiter[] {
    const waiters = this.waiting;
    this.waiting = [];
    if (this.inFlight !== undefined) {
      waiters.unshift(...this.inFlight.waiters);
      this.inFlight.controller.abort();
      this.inFlight = undefined;
    }
    return waiters;
  }

  private deliver(answer: Promise<SuggestResponse>, waiters: Waiter[], controller?: AbortController): void {
    const done = () => {
      if (this.inFlight?.controller === controller) this.inFlight = undefined;
    };
    answer.then(
      (value) => {
        done();
        for (const w of waiters) w.resolve(value);
      },
      (error) => {
        // A cancelled request's callers were handed to the request that replaced it.
        if (controller?.signal.aborted) return;
        done();
        for (const w of waiters) w.reject(error);
      },
    );
  }

  private fresh(key: string): Promise<SuggestResponse> | undefined {
    const hit = this.cache.get(key);
    if (hit === undefined) return undefined;
    this.cache.delete(key);
    if (this.options.now() - hit.at > this.options.cacheTtlMs) return undefined;
    this.cache.set(key, hit);
    return hit.answer;
  }

  private fetchInto(key: string, controller: AbortController): Promise<SuggestResponse> {
    const url = `${this.options.baseUrl}/v1/suggest?q=${encodeURIComponent(key)}&limit=${this.options.limit}`;
    const answer = this.options
      .fetch(url, { headers: this.options.headers?.() ?? {}, signal: controller.signal })
      .then(async (response) => {
        if (!response.ok)
          throw new SuggestRequestError(response.status, await response.json().catch(() => null));
        return (await response.json()) as SuggestResponse;
      });
    this.cache.set(key, { at: this.options.now(), answer });
    if (this.cache.size > this.options.cacheSize) this.cache.delete(this.cache.keys().next().value!);
    // A failed or cancelled request must not stay cached.
    answer.catch(() => {
      if (this.cache.get(key)?.answer === answer) this.cache.delete(key);
    });
    return answer;
  }
}

/** Client-side key: enough normalisation that "Pipe " and "pipe" share an answer. */
function cacheKey(typed: string): string {
  return typed.toLowerCase().replace(/\s+/g, ' ').trim();
}
