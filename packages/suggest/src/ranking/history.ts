interface Visit {
  key: string;
  text: string;
  /** Decayed count of this user's uses of the query, as of `last`. */
  value: number;
  last: number;
}

export interface HistoryOptions {
  /** Distinct queries remembered per user (default 100, least recent dropped first). */
  perUser: number;
  /** Users remembered (default 10,000, least recently active dropped first). */
  users: number;
  /** Half-life of a user's interest in a query (default one day). */
  halfLifeMs: number;
}

export const DEFAULT_HISTORY_OPTIONS: HistoryOptions = {
  perUser: 100,
  users: 10_000,
  halfLifeMs: 24 * 3600_000,
};

/** A user's recent query that completes a prefix, with its decayed interest. */
export interface PersonalMatch {
  key: string;
  text: string;
  score: number;
}

/**
 * Each user's own recent queries, bounded in users and queries per user so memory stays flat.
 * Maps keep insertion order, which serves as the recency order for eviction.
 */
export class UserHistory {
  private readonly users = new Map<string, Map<string, Visit>>();
  private readonly options: HistoryOptions;

  constructor(options: Partial<HistoryOptions> = {}) {
    this.options = { ...DEFAULT_HISTORY_OPTIONS, ...options };
  }

  record(userId: string, key: string, text: string, at: number): void {
    let visits = this.users.get(userId);
    if (visits === undefined) {
      visits = new Map();
      if (this.users.size >= this.options.users) this.users.delete(this.users.keys().next().value!);
    } else this.users.delete(userId);
    this.users.set(userId, visits);
    const seen = visits.get(key);
    visits.delete(key);
    if (visits.size >= this.options.perUser) visits.delete(visits.keys().next().value!);
    const last = Math.max(at, seen?.last ?? at);
    const value =
      (seen === undefined ? 0 : this.decayed(seen, last)) + this.decayed({ value: 1, last: at }, last);
    visits.set(key, { key, text, value, last });
  }

  /** Whether anything is remembered for this user. */
  has(userId: string): boolean {
    return this.users.has(userId);
  }

  /** The user's queries that start with `prefix`, most interesting first. */
  matches(userId: string, prefix: string, now: number, limit: number): PersonalMatch[] {
    const visits = this.users.get(userId);
    if (visits === undefined) return [];
    const out: PersonalMatch[] = [];
    for (const visit of visits.values()) {
      if (!visit.key.startsWith(prefix)) continue;
      out.push({ key: visit.key, text: visit.text, score: this.decayed(visit, now) });
    }
    out.sort((a, b) => b.score - a.score || (a.key < b.key ? -1 : 1));
    return out.slice(0, limit);
  }

  /** The decayed interest of one user in one query (0 if unknown). */
  score(userId: string, key: string, now: number): number {
    const visit = this.users.get(userId)?.get(key);
    return visit === undefined ? 0 : this.decayed(visit, now);
  }

  /** Forgets a query for everyone (blocklisted). */
  forget(matches: (key: string) => boolean): void {
    for (const visits of this.users.values())
      for (const key of visits.keys()) if (matches(key)) visits.delete(key);
  }

  /** A user's few visits decay lazily from their last update; no landmark is needed at this scale. */
  private decayed(visit: { value: number; last: number }, now: number): number {
    return visit.value * 2 ** ((visit.last - now) / this.options.halfLifeMs);
  }
}
