import type { AttributeDimension } from '../semantic/catalog.js';
import { boundedEditDistance, trigramSimilarity, trigrams } from './fuzzy.js';
import { Scan } from './scan.js';

/** A tenant's known dimension value, e.g. { dimension: 'region', value: 'Northern Europe' }. */
export interface DimensionValue {
  dimension: AttributeDimension;
  value: string;
}

export interface ValueMatch extends DimensionValue {
  /** The words of the question that matched, normalised. */
  matched: string;
  /** 1 for an exact (case- and accent-insensitive) match, lower for a fuzzy one. */
  score: number;
}

interface Entry extends DimensionValue {
  key: string;
  grams: Set<number>;
}

/** Shortest words matched fuzzily; shorter ones must match exactly ("UK" is not "EU"). */
const MIN_FUZZY_LENGTH = 4;
const MIN_SIMILARITY = 0.45;

/** Edits allowed for a word of this length: 1 up to 7 characters, then 2. */
function maxEdits(length: number): number {
  return length < 8 ? 1 : 2;
}

/** Normalised text (see Scan) to a lookup key: letters and digits separated by single spaces. */
function keyOfNormalized(text: string): string {
  return text.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
}

function keyOf(text: string): string {
  return keyOfNormalized(new Scan(text).text);
}

/**
 * Dimension values of one tenant, matched against questions case- and accent-insensitively, with
 * typos tolerated within a bounded edit distance; trigrams pick the candidates so a question is not
 * compared with every value.
 */
export class Gazetteer {
  private readonly exact = new Map<string, Entry>();
  private readonly entries: Entry[] = [];
  /** Trigram → indices of the entries that contain it. */
  private readonly postings = new Map<number, number[]>();
  private readonly longest: number;
  /** Marks entries already scored for the current lookup, without allocating a set per lookup. */
  private readonly visited: Uint32Array;
  private lookups = 0;
  /** How many values have each key length: a phrase with no value near its length is not scored. */
  private readonly lengths: Uint32Array;

  constructor(values: readonly DimensionValue[]) {
    let longest = 1;
    for (const { dimension, value } of values) {
      const key = keyOf(value);
      if (key === '' || this.exact.has(key)) continue;
      const entry = { dimension, value, key, grams: trigrams(key) };
      this.exact.set(key, entry);
      for (const gram of entry.grams) {
        const list = this.postings.get(gram);
        if (list) list.push(this.entries.length);
        else this.postings.set(gram, [this.entries.length]);
      }
      this.entries.push(entry);
      longest = Math.max(longest, key.split(' ').length);
    }
    this.longest = longest;
    this.visited = new Uint32Array(this.entries.length);
    this.lengths = new Uint32Array(Math.max(0, ...this.entries.map((e) => e.key.length)) + 1);
    for (const entry of this.entries) this.lengths[entry.key.length]!++;
  }

  private anyValueNear(length: number, edits: number): boolean {
    for (let l = Math.max(0, length - edits); l <= length + edits && l < this.lengths.length; l++) {
      if (this.lengths[l]! > 0) return true;
    }
    return false;
  }

  get size(): number {
    return this.exact.size;
  }

  /** The best value for a phrase, or undefined. */
  lookup(phrase: string): ValueMatch | undefined {
    return this.lookupKey(keyOf(phrase));
  }

  private lookupKey(key: string): ValueMatch | undefined {
    const hit = this.exact.get(key);
    if (hit) return { dimension: hit.dimension, value: hit.value, matched: key, score: 1 };
    const edits = maxEdits(key.length + 2);
    if (key.length < MIN_FUZZY_LENGTH || !this.anyValueNear(key.length, edits)) return undefined;
    const grams = trigrams(key);
    // q-gram lemma: k edits remove at most 3k distinct trigrams, so any value within k edits shares
    // at least one of any 3k + 1 of the phrase's trigrams; only the rarest 3k + 1 lists are read.
    const lists = [...grams]
      .map((gram) => this.postings.get(gram) ?? [])
      .sort((a, b) => a.length - b.length)
      .slice(0, 3 * edits + 1);
    const stamp = ++this.lookups;
    let best: ValueMatch | undefined;
    for (const list of lists) {
      for (const index of list) {
        if (this.visited[index] === stamp) continue;
        this.visited[index] = stamp;
        const entry = this.entries[index]!;
        if (entry.key.length < MIN_FUZZY_LENGTH) continue;
        if (Math.abs(entry.key.length - key.length) > maxEdits(entry.key.length)) continue;
        const similarity = trigramSimilarity(grams, entry.grams);
        if (similarity < MIN_SIMILARITY) continue;
        const edits = boundedEditDistance(key, entry.key, maxEdits(entry.key.length));
        if (edits > maxEdits(entry.key.length)) continue;
        const score = 1 - edits / Math.max(key.length, entry.key.length);
        if (!best || score > best.score)
          best = { dimension: entry.dimension, value: entry.value, matched: key, score };
      }
    }
    return best;
  }

  /**
   * Finds values in what is left of a question and consumes them: every run of up to
   * (longest value + 1) words is looked up, and non-overlapping matches are kept, longest first.
   */
  take(scan: Scan): ValueMatch[] {
    const words = [...scan.text.matchAll(/[\p{L}\p{N}][\p{L}\p{N}'’.-]*/gu)].map((m) => ({
      start: m.index,
      end: m.index + m[0].length,
    }));
    const candidates: { match: ValueMatch; first: number; last: number }[] = [];
    for (let first = 0; first < words.length; first++) {
      for (let last = first; last < Math.min(words.length, first + this.longest + 1); last++) {
        const phrase = scan.text.slice(words[first]!.start, words[last]!.end);
        // Runs are adjacent words only: a consumed span in between breaks them.
        if (/\s{2,}/.test(phrase)) break;
        const match = this.lookupKey(keyOfNormalized(phrase));
        if (match) candidates.push({ match, first, last });
      }
    }
    // More words first ("Nothern Europe" over an exact "Europe"), then the closer match.
    candidates.sort(
      (a, b) => b.last - b.first - (a.last - a.first) || b.match.score - a.match.score || a.first - b.first,
    );
    const used = new Set<number>();
    const chosen: { match: ValueMatch; first: number; last: number }[] = [];
    for (const candidate of candidates) {
      let free = true;
      for (let w = candidate.first; w <= candidate.last; w++) if (used.has(w)) free = false;
      if (!free) continue;
      for (let w = candidate.first; w <= candidate.last; w++) used.add(w);
      chosen.push(candidate);
    }
    chosen.sort((a, b) => a.first - b.first);
    for (const { first, last } of chosen) scan.consume(words[first]!.start, words[last]!.end);
    return chosen.map((c) => c.match);
  }
}
