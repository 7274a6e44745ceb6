/**
 * Inverted index: for every label name and value the sorted list ("postings") of series refs
 * that carry it. Selectors become set operations on postings: intersect for AND, merge for OR,
 * without for negative matchers.
 */
import type { Labels } from '../labels.js';

export type Postings = ArrayLike<number>;

export function intersect(a: Postings, b: Postings): number[] {
  const out: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      out.push(x);
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return out;
}

/** Union of any number of sorted lists, deduplicated. */
export function merge(lists: readonly Postings[]): number[] {
  if (lists.length === 0) return [];
  if (lists.length === 1) return Array.from(lists[0]!);
  let acc: number[] = Array.from(lists[0]!);
  for (let k = 1; k < lists.length; k++) {
    const b = lists[k]!;
    const out: number[] = [];
    let i = 0;
    let j = 0;
    while (i < acc.length || j < b.length) {
      if (j >= b.length || (i < acc.length && acc[i]! < b[j]!)) out.push(acc[i++]!);
      else if (i >= acc.length || b[j]! < acc[i]!) out.push(b[j++]!);
      else {
        out.push(acc[i++]!);
        j++;
      }
    }
    acc = out;
  }
  return acc;
}

/** Elements of `a` that are not in `b`. */
export function without(a: Postings, b: Postings): number[] {
  const out: number[] = [];
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    while (j < b.length && b[j]! < x) j++;
    if (j >= b.length || b[j] !== x) out.push(x);
  }
  return out;
}

/** Read side of an index, implemented by the in-memory head and by on-disk blocks. */
export interface IndexReader {
  postings(name: string, value: string): Postings;
  allPostings(): Postings;
  labelNames(): string[];
  labelValues(name: string): string[];
  series(ref: number): Labels | undefined;
}

/** The head's index: postings lists grow as series are created (refs only increase). */
export class MemPostings {
  private readonly byName = new Map<string, Map<string, number[]>>();
  private readonly all: number[] = [];

  add(ref: number, labels: Labels): void {
    this.all.push(ref);
    for (const l of labels) {
      let values = this.byName.get(l.name);
      if (!values) {
        values = new Map();
        this.byName.set(l.name, values);
      }
      const list = values.get(l.value);
      if (list) list.push(ref);
      else values.set(l.value, [ref]);
    }
  }

  get(name: string, value: string): Postings {
    return this.byName.get(name)?.get(value) ?? [];
  }

  allPostings(): Postings {
    return this.all;
  }

  labelNames(): string[] {
    return [...this.byName.keys()].sort();
  }

  labelValues(name: string): string[] {
    const values = this.byName.get(name);
    return values ? [...values.keys()].sort() : [];
  }

  /** Number of distinct values of a label (e.g. series per metric via `__name__`). */
  count(name: string, value: string): number {
    return this.byName.get(name)?.get(value)?.length ?? 0;
  }
}
