/**
 * Silences (Alertmanager's silence/silence.go): matchers plus a time window. A silence is pending
 * before `startsAt`, active until `endsAt`, then expired; expired silences are kept for the
 * retention period so they stay visible, then dropped. Updating follows Alertmanager: a change
 * that would rewrite history (other matchers, a new start for an active silence) expires the old
 * silence and creates a new one with a new id.
 */
import { newId } from '@parley/kit';
import type { LabelSet } from './fingerprint.js';
import { type ApiMatcher, fromApiMatcher, type Matcher, MatcherSyntaxError, matchesAll } from './matchers.js';
import { readSnapshot, writeSnapshot } from './snapshot.js';

export type SilenceState = 'pending' | 'active' | 'expired';

export interface Silence {
  id: string;
  matchers: Required<ApiMatcher>[];
  startsAt: number;
  endsAt: number;
  updatedAt: number;
  createdBy: string;
  comment: string;
}

export interface PostableSilence {
  id?: string;
  matchers: ApiMatcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
}

/** A request the caller can fix (400), or a silence that does not exist (404). */
export class SilenceError extends Error {
  override name = 'SilenceError';
  constructor(
    message: string,
    readonly status: 400 | 404 | 409,
  ) {
    super(message);
  }
}

export function silenceState(s: Silence, now: number): SilenceState {
  if (now < s.startsAt) return 'pending';
  if (now < s.endsAt) return 'active';
  return 'expired';
}

interface Held {
  silence: Silence;
  matchers: Matcher[];
}

export interface SilencesOptions {
  /** Snapshot file; absent keeps silences in memory only. */
  file?: string;
  /** Expired silences are kept this long after they end. Default 120h, as Alertmanager's --data.retention. */
  retentionMs?: number;
  /** At most this many silences held (active, pending and retained expired ones). */
  maxSilences?: number;
}

export class Silences {
  private readonly held = new Map<string, Held>();
  private readonly retentionMs: number;
  private readonly maxSilences: number;
  /** Bumped on every change: invalidates the cache of what silences mute. */
  private version = 0;
  private readonly cache = new Map<string, string[]>();
  private cacheVersion = -1;
  private cacheFrom = Number.POSITIVE_INFINITY;
  private cacheUntil = Number.NEGATIVE_INFINITY;

  constructor(private readonly options: SilencesOptions = {}) {
    this.retentionMs = options.retentionMs ?? 120 * 3_600_000;
    this.maxSilences = options.maxSilences ?? 10_000;
    const snapshot = options.file ? readSnapshot(options.file) : undefined;
    if (snapshot !== undefined) {
      for (const silence of (snapshot as { silences: Silence[] }).silences)
        this.held.set(silence.id, { silence, matchers: silence.matchers.map(fromApiMatcher) });
    }
  }

  /** Creates or updates a silence; returns its id (a new one when an update had to replace it). */
  set(input: PostableSilence, now: number): string {
    const matchers = validate(input, now);
    const next: Silence = {
      id: '',
      matchers: input.matchers.map((m) => ({
        name: m.name,
        value: m.value,
        isRegex: m.isRegex,
        isEqual: m.isEqual ?? true,
      })),
      startsAt: input.startsAt,
      endsAt: input.endsAt,
      updatedAt: now,
      createdBy: input.createdBy,
      comment: input.comment,
    };
    if (input.id !== undefined && input.id !== '') {
      const old = this.held.get(input.id);
      if (!old) throw new SilenceError(`silence ${input.id} not found`, 404);
      if (canUpdate(old.silence, next, now)) {
        this.held.set(old.silence.id, { silence: { ...next, id: old.silence.id }, matchers });
        this.changed();
        return old.silence.id;
      }
      // Replaced: the old one ends now (if it has not already), the new one gets a new id.
      if (silenceState(old.silence, now) !== 'expired') this.expireHeld(old, now);
    }
    if (this.held.size >= this.maxSilences) {
      this.gc(now);
      if (this.held.size >= this.maxSilences)
        throw new SilenceError(`too many silences (limit ${this.maxSilences})`, 409);
    }
    // A silence asked to start in the past starts now: it cannot have muted anything before it existed.
    if (next.startsAt < now) next.startsAt = now;
    next.id = newId();
    this.held.set(next.id, { silence: next, matchers });
    this.changed();
    return next.id;
  }

  expire(id: string, now: number): void {
    const held = this.held.get(id);
    if (!held) throw new SilenceError(`silence ${id} not found`, 404);
    if (silenceState(held.silence, now) === 'expired')
      throw new SilenceError(`silence ${id} already expired`, 409);
    this.expireHeld(held, now);
    this.changed();
  }

  private expireHeld(held: Held, now: number): void {
    const s = held.silence;
    // A pending silence never started: both ends become now, as Alertmanager does.
    if (silenceState(s, now) === 'pending') s.startsAt = now;
    s.endsAt = now;
    s.updatedAt = now;
  }

  get(id: string): Silence | undefined {
    return this.held.get(id)?.silence;
  }

  /** Silences whose matchers cover `filter` (Alertmanager's filter: each filter matcher must match a silence matcher's value of that name). */
  query(filter: readonly Matcher[] = []): Silence[] {
    const out: Silence[] = [];
    for (const { silence } of this.held.values()) {
      const byName = new Map(silence.matchers.map((m) => [m.name, m.value]));
      if (filter.every((f) => byName.has(f.name) && f.matches(byName.get(f.name)!))) out.push(silence);
    }
    return out;
  }

  /**
   * Ids of the active silences that mute `labels`, sorted. With the alert's fingerprint the answer
   * is cached until the silences change or one of them starts or ends (Alertmanager's marker does
   * the same), so checking every alert on every tick costs a lookup each.
   */
  mutes(labels: LabelSet, now: number, fingerprint?: string): string[] {
    if (fingerprint === undefined) return this.match(labels, now);
    if (
      this.cacheVersion !== this.version ||
      now < this.cacheFrom ||
      now >= this.cacheUntil ||
      this.cache.size > 100_000
    ) {
      this.cache.clear();
      this.cacheVersion = this.version;
      this.cacheFrom = now;
      this.cacheUntil = this.nextChange(now) ?? Number.POSITIVE_INFINITY;
    }
    let ids = this.cache.get(fingerprint);
    if (!ids) {
      ids = this.match(labels, now);
      this.cache.set(fingerprint, ids);
    }
    return ids;
  }

  private match(labels: LabelSet, now: number): string[] {
    const ids: string[] = [];
    for (const { silence, matchers } of this.held.values())
      if (silenceState(silence, now) === 'active' && matchesAll(matchers, labels)) ids.push(silence.id);
    return ids.sort();
  }

  /** The next time a silence starts or ends after `now`: mute states change then. */
  nextChange(now: number): number | undefined {
    let next: number | undefined;
    for (const { silence } of this.held.values())
      for (const t of [silence.startsAt, silence.endsAt])
        if (t > now && (next === undefined || t < next)) next = t;
    return next;
  }

  /** Drops silences expired longer than the retention ago. */
  gc(now: number): number {
    let dropped = 0;
    for (const [id, { silence }] of this.held)
      if (silence.endsAt + this.retentionMs <= now) {
        this.held.delete(id);
        dropped++;
      }
    if (dropped > 0) this.changed();
    return dropped;
  }

  private changed(): void {
    this.version++;
    if (this.options.file)
      writeSnapshot(this.options.file, {
        version: 1,
        silences: [...this.held.values()].map((h) => h.silence),
      });
  }
}

function validate(input: PostableSilence, now: number): Matcher[] {
  if (input.matchers.length === 0) throw new SilenceError('at least one matcher required', 400);
  const matchers = input.matchers.map((m, i) => {
    try {
      return fromApiMatcher(m);
    } catch (error) {
      if (error instanceof MatcherSyntaxError)
        throw new SilenceError(`matchers[${i}]: ${error.message}`, 400);
      throw error;
    }
  });
  // A silence that matches alerts without any of its labels would silence (nearly) everything.
  if (matchers.every((m) => m.matches('')))
    throw new SilenceError('at least one matcher must not match the empty string', 400);
  if (input.endsAt <= input.startsAt) throw new SilenceError('start time must be before end time', 400);
  if (input.endsAt < now) throw new SilenceError("end time can't be in the past", 400);
  if (input.createdBy.trim() === '') throw new SilenceError('createdBy must not be empty', 400);
  if (input.comment.trim() === '') throw new SilenceError('comment must not be empty', 400);
  return matchers;
}

/** Alertmanager's canUpdate: may `next` overwrite `old` in place, keeping its id? */
function canUpdate(old: Silence, next: Silence, now: number): boolean {
  if (JSON.stringify(old.matchers) !== JSON.stringify(next.matchers)) return false;
  switch (silenceState(old, now)) {
    case 'active':
      return next.startsAt === old.startsAt && next.endsAt >= now;
    case 'pending':
      return next.startsAt >= now;
    case 'expired':
      return false;
  }
}
