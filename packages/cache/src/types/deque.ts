/**
 * A double-ended queue on a growable ring buffer: O(1) push/pop at both ends and O(1) index,
 * which is what Redis lists (quicklist) give LPUSH/RPOP/LINDEX workloads.
 */
export class Deque<T> {
  private items: (T | undefined)[];
  private head = 0;
  private count = 0;
  private mask: number;

  constructor(capacity = 8) {
    let size = 8;
    while (size < capacity) size *= 2;
    this.items = new Array<T | undefined>(size);
    this.mask = size - 1;
  }

  get length(): number {
    return this.count;
  }

  at(index: number): T | undefined {
    if (index < 0 || index >= this.count) return undefined;
    return this.items[(this.head + index) & this.mask];
  }

  set(index: number, value: T): void {
    this.items[(this.head + index) & this.mask] = value;
  }

  pushBack(value: T): void {
    if (this.count === this.items.length) this.grow();
    this.items[(this.head + this.count) & this.mask] = value;
    this.count++;
  }

  pushFront(value: T): void {
    if (this.count === this.items.length) this.grow();
    this.head = (this.head - 1) & this.mask;
    this.items[this.head] = value;
    this.count++;
  }

  popFront(): T | undefined {
    if (this.count === 0) return undefined;
    const value = this.items[this.head];
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.count--;
    return value;
  }

  popBack(): T | undefined {
    if (this.count === 0) return undefined;
    const slot = (this.head + this.count - 1) & this.mask;
    const value = this.items[slot];
    this.items[slot] = undefined;
    this.count--;
    return value;
  }

  /** Removes the element at `index` (0 <= index < length), moving the shorter side by one. */
  removeAt(index: number): void {
    const items = this.items;
    const mask = this.mask;
    const head = this.head;
    if (index < this.count >> 1) {
      for (let i = index; i > 0; i--) items[(head + i) & mask] = items[(head + i - 1) & mask];
      items[head] = undefined;
      this.head = (head + 1) & mask;
    } else {
      const last = this.count - 1;
      for (let i = index; i < last; i++) items[(head + i) & mask] = items[(head + i + 1) & mask];
      items[(head + last) & mask] = undefined;
    }
    this.count--;
  }

  /** Elements from start to end inclusive (already clamped by the caller). */
  slice(start: number, end: number): T[] {
    const out: T[] = [];
    for (let i = start; i <= end; i++) out.push(this.items[(this.head + i) & this.mask] as T);
    return out;
  }

  toArray(): T[] {
    return this.slice(0, this.count - 1);
  }

  /** Replaces the whole content (LINSERT, LREM, LTRIM rebuild: they are O(n) in Redis too). */
  replace(values: T[]): void {
    let size = 8;
    while (size < values.length) size *= 2;
    this.items = new Array<T | undefined>(size);
    for (let i = 0; i < values.length; i++) this.items[i] = values[i];
    this.mask = size - 1;
    this.head = 0;
    this.count = values.length;
  }

  private grow(): void {
    const bigger = new Array<T | undefined>(this.items.length * 2);
    for (let i = 0; i < this.count; i++) bigger[i] = this.items[(this.head + i) & this.mask];
    this.items = bigger;
    this.mask = bigger.length - 1;
    this.head = 0;
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) & this.mask] as T;
  }
}
