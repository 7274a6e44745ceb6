import type { CommandSpec } from '../commands/command.js';
import { keyPositions } from '../commands/command.js';
import type { EvictionPolicy } from '../config.js';
import type { Database } from '../keyspace/db.js';
import type { Value } from '../keyspace/value.js';
import type { CacheEngine } from '../server/engine.js';
import { estimateSize } from './size.js';

/** Candidates kept between eviction rounds (EVPOOL_SIZE in evict.c). */
const POOL_SIZE = 16;
const LFU_INIT = 5;
/** Commands that change keys outside their declared key positions: recount everything after them. */
const RECOUNT = new Set(['flushdb', 'flushall', 'move', 'copy', 'swapdb']);

interface Candidate {
  db: Database;
  key: string;
  /** Higher is a better victim. */
  score: number;
}

/**
 * maxmemory and eviction (evict.c). While maxmemory is set, the dataset's size is accounted:
 * every write command is measured before and after on the keys the command table says it
 * touches, and expired or evicted keys are subtracted. Before a denyoom command runs and the
 * total is over the limit, keys are evicted by the policy: a few keys are sampled per
 * database (maxmemory-samples) and the best victims kept in a pool, as Redis does. Sampling
 * walks each dictionary with a rotating cursor (a JS Map has no random access), so successive
 * rounds cover the whole keyspace.
 */
export class Eviction {
  datasetBytes = 0;
  private enabled = false;
  private readonly pool: Candidate[] = [];
  private readonly cursors = new Map<Database, Iterator<string>>();
  private pendingBefore = 0;
  private readonly trackingSince: number;

  constructor(private readonly engine: CacheEngine) {
    this.trackingSince = engine.clock.now();
    engine.config.onChange((name) => {
      if (name === 'maxmemory' || name === 'maxmemory-policy') this.configure();
    });
    this.configure();
  }

  private get policy(): EvictionPolicy {
    return this.engine.config.get('maxmemory-policy') as EvictionPolicy;
  }

  configure(): void {
    const engine = this.engine;
    const maxmemory = engine.config.number('maxmemory');
    const policy = this.policy;
    const tracking = policy.endsWith('lru') ? 'lru' : policy.endsWith('lfu') ? 'lfu' : null;
    const clock = engine.clock;
    const config = engine.config;
    for (const db of engine.dbs) {
      if (tracking === null) {
        db.access = null;
        db.touch = null;
        continue;
      }
      const access = db.access ?? new Map<string, number>();
      db.access = access;
      db.touch =
        tracking === 'lru'
          ? (key) => access.set(key, clock.now())
          : (key) =>
              access.set(
                key,
                lfuTouch(
                  access.get(key),
                  clock.now(),
                  config.number('lfu-log-factor'),
                  config.number('lfu-decay-time'),
                ),
              );
    }
    this.enabled = maxmemory > 0;
    this.pool.length = 0;
    if (!this.enabled) {
      engine.memoryGuard = null;
      engine.accounting = null;
      engine.usedMemory = () => process.memoryUsage().heapUsed;
      return;
    }
    this.recount();
    engine.memoryGuard = () => this.performEvictions();
    engine.accounting = this;
    engine.usedMemory = () => this.datasetBytes;
  }

  /** Recomputes the dataset size from scratch (after FLUSHALL, DEBUG POPULATE...). */
  recount(): void {
    let total = 0;
    for (const db of this.engine.dbs) for (const [key, value] of db.dict) total += estimateSize(key, value);
    this.datasetBytes = total;
  }

  /** Dispatcher hook: size of the keys a write command is about to change. */
  beforeWrite(db: Database, spec: CommandSpec, argv: string[]): void {
    if (!this.enabled) return;
    let before = 0;
    for (const position of keyPositions(spec, argv))
      before += estimateSize(argv[position]!, db.dict.get(argv[position]!));
    this.pendingBefore = before;
  }

  afterWrite(db: Database, spec: CommandSpec, argv: string[]): void {
    if (!this.enabled) return;
    if (RECOUNT.has(spec.name)) {
      this.recount();
      return;
    }
    let after = 0;
    for (const position of keyPositions(spec, argv))
      after += estimateSize(argv[position]!, db.dict.get(argv[position]!));
    this.datasetBytes = Math.max(0, this.datasetBytes + after - this.pendingBefore);
  }

  /** A key that left outside a command (active or lazy expiry). */
  removed(key: string, value: Value): void {
    if (this.enabled) this.datasetBytes = Math.max(0, this.datasetBytes - estimateSize(key, value));
  }

  /** Frees memory until under maxmemory; false if that is impossible (→ OOM error). */
  performEvictions(): boolean {
    const maxmemory = this.engine.config.number('maxmemory');
    if (this.datasetBytes <= maxmemory) return true;
    if (this.policy === 'noeviction') return false;
    while (this.datasetBytes > maxmemory) {
      const victim = this.nextVictim();
      if (!victim) return false;
      const value = victim.db.dict.get(victim.key);
      if (value === undefined) continue;
      const size = estimateSize(victim.key, value);
      victim.db.delete(victim.key);
      this.datasetBytes = Math.max(0, this.datasetBytes - size);
      this.engine.evicted(victim.db, victim.key);
    }
    return true;
  }

  private nextVictim(): Candidate | undefined {
    const policy = this.policy;
    const volatile = policy.startsWith('volatile');
    const samples = this.engine.config.number('maxmemory-samples');
    if (policy.endsWith('random')) {
      for (const db of this.engine.dbs) {
        const keys = volatile ? db.expires : db.dict;
        if (keys.size === 0) continue;
        const key = this.sample(db, volatile, 1 + Math.floor(Math.random() * samples))[0];
        if (key !== undefined) return { db, key, score: 0 };
      }
      return undefined;
    }
    for (const db of this.engine.dbs) {
      if ((volatile ? db.expires : db.dict).size === 0) continue;
      for (const key of this.sample(db, volatile, samples))
        this.offer({ db, key, score: this.score(db, key, policy) });
    }
    // Take the best candidate that still exists (it may have been deleted since it was pooled).
    while (this.pool.length > 0) {
      const best = this.pool.pop()!;
      if (best.db.dict.has(best.key) && (!volatile || best.db.expires.has(best.key))) return best;
    }
    return undefined;
  }

  private score(db: Database, key: string, policy: EvictionPolicy): number {
    const now = this.engine.clock.now();
    if (policy === 'volatile-ttl') return -(db.expires.get(key) ?? Number.POSITIVE_INFINITY);
    if (policy.endsWith('lru')) return now - (db.access?.get(key) ?? this.trackingSince);
    return 255 - this.frequency(db, key);
  }

  /** Inserts into the pool, kept sorted by score ascending (best victim last), bounded. */
  private offer(candidate: Candidate): void {
    const pool = this.pool;
    const existing = pool.findIndex((c) => c.db === candidate.db && c.key === candidate.key);
    if (existing >= 0) pool.splice(existing, 1);
    let at = 0;
    while (at < pool.length && pool[at]!.score < candidate.score) at++;
    if (pool.length >= POOL_SIZE && at === 0) return;
    pool.splice(at, 0, candidate);
    if (pool.length > POOL_SIZE) pool.shift();
  }

  /**
   * `count` keys from a rotating cursor over the dictionary (or expires), skipping a random
   * number of keys before each one so that a sample is spread over the keyspace rather than
   * being a run of neighbours in insertion order.
   */
  private sample(db: Database, volatile: boolean, count: number): string[] {
    const source = volatile ? db.expires : db.dict;
    const spread = Math.max(1, Math.min(32, Math.floor(source.size / 64)));
    const out: string[] = [];
    let cursor = this.cursors.get(db);
    let skip = Math.floor(Math.random() * spread);
    for (let wraps = 0; out.length < count && wraps < 2; ) {
      if (!cursor) cursor = source.keys();
      const next = cursor.next();
      if (next.done) {
        cursor = undefined;
        wraps++;
        continue;
      }
      if (skip > 0) {
        skip--;
        continue;
      }
      out.push(next.value);
      skip = Math.floor(Math.random() * spread);
    }
    if (cursor) this.cursors.set(db, cursor);
    else this.cursors.delete(db);
    return out;
  }

  /** The LFU counter of a key after decay (OBJECT FREQ). */
  frequency(db: Database, key: string): number {
    const packed = db.access?.get(key);
    if (packed === undefined) return LFU_INIT;
    return decayed(packed, this.engine.clock.now(), this.engine.config.number('lfu-decay-time'));
  }
}

/**
 * LFU state packed in one number per key: minutes-since-epoch × 256 + 8-bit counter. The counter
 * grows logarithmically (lfu-log-factor) and decays by one per lfu-decay-time minutes idle.
 */
export function decayed(packed: number, now: number, decayMinutes: number): number {
  const counter = packed % 256;
  const minutes = Math.floor(packed / 256);
  if (decayMinutes <= 0) return counter;
  const elapsed = Math.floor(now / 60_000) - minutes;
  return Math.max(0, counter - Math.floor(elapsed / decayMinutes));
}

export function lfuTouch(
  packed: number | undefined,
  now: number,
  logFactor: number,
  decayMinutes: number,
): number {
  let counter = packed === undefined ? LFU_INIT : decayed(packed, now, decayMinutes);
  if (counter < 255) {
    const base = Math.max(0, counter - LFU_INIT);
    if (Math.random() < 1 / (base * logFactor + 1)) counter++;
  }
  return Math.floor(now / 60_000) * 256 + counter;
}
