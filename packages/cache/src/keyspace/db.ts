import type { Clock } from '@parley/kit';
import type { Value } from './value.js';

/** Callbacks a database needs from the server when it deletes a key on its own. */
export interface KeyspaceEvents {
  expired(db: Database, key: string, value: Value): void;
}

/** Keys sampled per active-expiry round, and the share of expired ones that triggers another round. */
const EXPIRE_SAMPLE = 20;
const EXPIRE_REPEAT_RATIO = 0.25;

/**
 * One logical database (db.c): the main dictionary and the expires dictionary, with lazy
 * expiry on every lookup and an incremental active-expiry cycle (expire.c). Keys are latin1
 * strings, so any byte sequence is a key.
 */
export class Database {
  dict = new Map<string, Value>();
  /** Absolute expiry time in ms, for keys that have one. */
  expires = new Map<string, number>();
  /** LRU time or packed LFU counter per key; kept only while an LRU/LFU policy needs it. */
  access: Map<string, number> | null = null;
  /** Records an access (installed by the eviction layer with the LRU or LFU rule). */
  touch: ((key: string) => void) | null = null;
  private expireCursor: Iterator<[string, number]> | null = null;

  constructor(
    readonly id: number,
    private readonly clock: Clock,
    private readonly events: KeyspaceEvents,
  ) {}

  get size(): number {
    return this.dict.size;
  }

  /** The value of a live key; deletes it first if it has expired. */
  get(key: string): Value | undefined {
    const value = this.dict.get(key);
    if (value === undefined) return undefined;
    if (this.expires.size > 0 && this.expireIfNeeded(key, value)) return undefined;
    if (this.touch !== null) this.touch(key);
    return value;
  }

  has(key: string): boolean {
    return this.get(key) !== undefined;
  }

  /** Stores a value; the old TTL is dropped unless keepTtl (SET KEEPTTL, in-place updates). */
  set(key: string, value: Value, keepTtl = false): void {
    this.dict.set(key, value);
    if (!keepTtl && this.expires.size > 0) this.expires.delete(key);
    if (this.touch !== null) this.touch(key);
  }

  delete(key: string): boolean {
    if (!this.dict.delete(key)) return false;
    if (this.expires.size > 0) this.expires.delete(key);
    if (this.access !== null) this.access.delete(key);
    return true;
  }

  /** The absolute expiry in ms, or undefined for a persistent key. */
  expireAt(key: string): number | undefined {
    return this.expires.size > 0 ? this.expires.get(key) : undefined;
  }

  setExpire(key: string, at: number): void {
    this.expires.set(key, at);
  }

  persist(key: string): boolean {
    return this.expires.delete(key);
  }

  clear(): void {
    this.dict = new Map();
    this.expires = new Map();
    if (this.access !== null) this.access = new Map();
    this.expireCursor = null;
  }

  /** Exchanges contents with another database (SWAPDB); watchers stay with their db index. */
  swap(other: Database): void {
    [this.dict, other.dict] = [other.dict, this.dict];
    [this.expires, other.expires] = [other.expires, this.expires];
    [this.access, other.access] = [other.access, this.access];
    this.expireCursor = null;
    other.expireCursor = null;
  }

  /** Whether a key has logically expired (without deleting it). */
  isExpired(key: string): boolean {
    const at = this.expires.get(key);
    return at !== undefined && at <= this.clock.now();
  }

  private expireIfNeeded(key: string, value: Value): boolean {
    const at = this.expires.get(key);
    if (at === undefined || at > this.clock.now()) return false;
    this.delete(key);
    this.events.expired(this, key, value);
    return true;
  }

  /**
   * One active-expiry cycle: walk the expires dictionary round-robin in samples of 20 and keep
   * going while more than a quarter of a sample had expired, within a time budget. A live Map
   * iterator survives deletions, so the walk resumes where the last cycle stopped.
   */
  activeExpire(budgetMs: number): number {
    if (this.expires.size === 0) return 0;
    const deadline = performance.now() + budgetMs;
    let removed = 0;
    for (;;) {
      let sampled = 0;
      let expired = 0;
      const now = this.clock.now();
      while (sampled < EXPIRE_SAMPLE && this.expires.size > 0) {
        this.expireCursor ??= this.expires.entries();
        const step = this.expireCursor.next();
        if (step.done) {
          this.expireCursor = null;
          if (sampled === 0) break;
          continue;
        }
        sampled++;
        const [key, at] = step.value;
        if (at <= now) {
          const value = this.dict.get(key);
          this.delete(key);
          if (value !== undefined) this.events.expired(this, key, value);
          expired++;
        }
      }
      removed += expired;
      if (sampled === 0 || expired <= sampled * EXPIRE_REPEAT_RATIO || performance.now() > deadline) break;
    }
    return removed;
  }

  /** A random live key, or undefined when empty. O(n) in the worst case: Map has no random access. */
  randomKey(): string | undefined {
    for (let attempt = 0; attempt < 100 && this.dict.size > 0; attempt++) {
      const key = nthKey(this.dict, Math.floor(Math.random() * this.dict.size));
      if (key !== undefined && !this.isExpired(key)) return key;
      if (key !== undefined) this.get(key); // deletes it: it has expired
    }
    return undefined;
  }
}

/** The key at position n in iteration order. */
export function nthKey<K>(collection: { keys(): IterableIterator<K> }, n: number): K | undefined {
  let i = 0;
  for (const key of collection.keys()) if (i++ === n) return key;
  return undefined;
}
