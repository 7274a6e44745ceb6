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

/** What a trimmed slot holds until the array is compacted (keeps the array's elements packed). */
const TRIMMED: StreamEntry = { id: MIN_ID, fields: [] };

export class Stream {
  /**
   * The stream is `items` from `head` on. Trimming the front only moves `head` (a capped stream
   * such as a job queue's events is cut by 100 entries every 100 appends: a splice of a
   * 10,000-entry array each time cost more than the appends); the trimmed slots are dropped in
   * one splice when they are as many as the live ones, or when `entries` is next read.
   */
  private items: StreamEntry[] = [];
  private head = 0;
  lastId: StreamId = { ms: 0, seq: 0 };
  maxDeletedId: StreamId = { ms: 0, seq: 0 };
  entriesAdded = 0;
  readonly groups = new Map<string, ConsumerGroup>();

  /** The entries in ID order. */
  get entries(): StreamEntry[] {
    if (this.head > 0) this.compact();
    return this.items;
  }

  set entries(entries: StreamEntry[]) {
    this.items = entries;
    this.head = 0;
  }

  get length(): number {
    return this.items.length - this.head;
  }

  /** Index of the first entry with id >= the given one. */
  lowerBound(id: StreamId): number {
    const items = this.items;
    let lo = this.head;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(items[mid]!.id, id) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.head;
  }

  /** Index of the first entry with id > the given one. */
  upperBound(id: StreamId): number {
    const items = this.items;
    let lo = this.head;
    let hi = items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareIds(items[mid]!.id, id) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo - this.head;
  }

  find(id: StreamId): StreamEntry | undefined {
    const i = this.head + this.lowerBound(id);
    const entry = this.items[i];
    return entry && compareIds(entry.id, id) === 0 ? entry : undefined;
  }

  append(id: StreamId, fields: string[]): void {
    this.items.push({ id, fields });
    this.lastId = id;
    this.entriesAdded++;
  }

  delete(id: StreamId): boolean {
    const i = this.head + this.lowerBound(id);
    const entry = this.items[i];
    if (!entry || compareIds(entry.id, id) !== 0) return false;
    this.items.splice(i, 1);
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
    const removed = Math.min(count, this.length);
    if (removed === 0) return 0;
    const items = this.items;
    const end = this.head + removed;
    const last = items[end - 1]!;
    // The trimmed entries are let go now; their slots go at the next compaction.
    for (let i = this.head; i < end; i++) items[i] = TRIMMED;
    this.head = end;
    if (this.head >= items.length - this.head) this.compact();
    if (compareIds(last.id, this.maxDeletedId) > 0) this.maxDeletedId = last.id;
    return removed;
  }

  /** Drops the trimmed slots: one splice, a single copy of the live entries. */
  private compact(): void {
    if (this.head === this.items.length) this.items = [];
    else this.items.splice(0, this.head);
    this.head = 0;
  }
}
