/**
 * Evaluation counts per flag, accumulated between flushes so usage reporting costs one map update
 * per evaluation and one write per batch.
 */
export class UsageCounter {
  private counts = new Map<string, number>();

  add(key: string, count = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + count);
  }

  /** Takes the counts gathered so far and starts a new batch. */
  take(): Record<string, number> | undefined {
    if (this.counts.size === 0) return undefined;
    const batch = Object.fromEntries(this.counts);
    this.counts = new Map();
    return batch;
  }

  /** Puts back a batch that could not be delivered, so it goes with the next one. */
  restore(batch: Record<string, number>): void {
    for (const [key, count] of Object.entries(batch)) this.add(key, count);
  }
}
