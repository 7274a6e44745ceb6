/**
 * A bounded map that keeps what was used recently, in two generations of at most half the
 * capacity each. New and re-used entries go to the young generation; when it is full it becomes
 * the old one and the previous old generation is dropped whole. So an entry survives as long as
 * it is used at least once per half-capacity insertions: LRU-like, without reordering on every
 * hit (deleting and re-inserting keys of a large JS Map costs tens of microseconds each).
 */
export class RecentMap<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(private readonly capacity: number) {}

  get(key: string): V | undefined {
    const value = this.young.get(key);
    if (value !== undefined) return value;
    const aged = this.old.get(key);
    if (aged !== undefined) this.set(key, aged);
    return aged;
  }

  set(key: string, value: V): void {
    if (this.young.size >= this.capacity / 2) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }

  delete(key: string): void {
    this.young.delete(key);
    this.old.delete(key);
  }

  clear(): void {
    this.young.clear();
    this.old.clear();
  }

  /** Entries held (an entry re-used from the old generation counts twice until it is dropped). */
  get size(): number {
    return this.young.size + this.old.size;
  }
}
