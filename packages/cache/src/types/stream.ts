/**
 * A stream (t_stream.c): entries ordered by ID `<ms>-<seq>` in an array (appends are O(1),
 * ranges are binary searches), plus consumer groups with their pending entries lists.
 */
export interface StreamId {
  ms: number;
  seq: number;
}

export interface StreamEntry {
  id: StreamId;
  /** field, value, field, value, ... */
  fields: string[];
}

export interface PendingEntry {
  consumer: string;
  deliveredAt: number;
  deliveries: number;
}

export interface Consumer {
  name: string;
  seenAt: number;
  activeAt: number;
  /** IDs (as strings) this consumer has pending. */
  pending: Set<string>;
}

export interface ConsumerGroup {
  name: string;
  lastId: StreamId;
  entriesRead: number;
  /** The PEL, keyed by formatted ID, in insertion order. */
  pending: Map<string, PendingEntry>;
  consumers: Map<string, Consumer>;
}

export function compareIds(a: StreamId, b: StreamId): number {
  return a.ms - b.ms || a.seq - b.seq;
}

export function formatId(id: StreamId): string {
  return `${id.ms}-${id.seq}`;
}

export const MIN_ID: StreamId = { ms: 0, seq: 0 };
export const MAX_ID: StreamId = { ms: Number.MAX_SAFE_INTEGER, seq: Number.MAX_SAFE_INTEGER };

export class Stream {
  entries: StreamEntry[] = [];
  lastId: StreamId = { ms: 0, seq: 0 };
  maxDeletedId: StreamId = { ms: 0, seq: 0 };
  entriesAdded = 0;
  readonly groups = new Map<string, ConsumerGroup>();

  get length(): number {
    return this.entries.length;
  }

  /** Index of the first entry with id >= the given one. */
  lowerBound(id: StreamId): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(this.entries[mid]!.id, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Index of the first entry with id > the given one. */
  upperBound(id: StreamId): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(this.entries[mid]!.id, id) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  find(id: StreamId): StreamEntry | undefined {
    const i = this.lowerBound(id);
    const entry = this.entries[i];
    return entry && compareIds(entry.id, id) === 0 ? entry : undefined;
  }

  append(id: StreamId, fields: string[]): void {
    this.entries.push({ id, fields });
    this.lastId = id;
    this.entriesAdded++;
  }

  delete(id: StreamId): boolean {
    const i = this.lowerBound(id);
    const entry = this.entries[i];
    if (!entry || compareIds(entry.id, id) !== 0) return false;
    this.entries.splice(i, 1);
    if (compareIds(id, this.maxDeletedId) > 0) this.maxDeletedId = id;
    return true;
  }

  clone(): Stream {
    const copy = new Stream();
    copy.entries = this.entries.map((e) => ({ id: e.id, fields: [...e.fields] }));
    copy.lastId = this.lastId;
    copy.maxDeletedId = this.maxDeletedId;
    copy.entriesAdded = this.entriesAdded;
    for (const [name, group] of this.groups) {
      copy.groups.set(name, {
        name,
        lastId: group.lastId,
        entriesRead: group.entriesRead,
        pending: new Map([...group.pending].map(([id, p]) => [id, { ...p }])),
        consumers: new Map(
          [...group.consumers].map(([n, consumer]) => [
            n,
            { ...consumer, pending: new Set(consumer.pending) },
          ]),
        ),
      });
    }
    return copy;
  }

  /** Removes the first `count` entries (XTRIM / XADD MAXLEN / MINID). */
  trimFront(count: number): number {
    const removed = Math.min(count, this.entries.length);
    if (removed === 0) return 0;
    const last = this.entries[removed - 1]!;
    // One entry (an exact MAXLEN on every append): shift() usually drops the head in place. More
    // (a `~` trim of whole nodes): one splice, a single copy of the rest at worst, where a shift
    // per entry could copy the array each time (V8 cannot move an array's start while it marks).
    if (removed === 1) this.entries.shift();
    else this.entries.splice(0, removed);
    if (compareIds(last.id, this.maxDeletedId) > 0) this.maxDeletedId = last.id;
    return removed;
  }
}
