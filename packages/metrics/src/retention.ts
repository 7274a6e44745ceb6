/** Retention per tier: raw blocks and each rollup resolution are kept for their own duration. */
import type { Block } from './block.js';

export interface RetentionPolicy {
  /** Raw samples. Default 15 days (Prometheus's default). */
  rawMs: number;
  /** 5-minute rollups. Default 90 days. */
  rollup5mMs: number;
  /** 1-hour rollups. Default 2 years. */
  rollup1hMs: number;
}

export const DEFAULT_RETENTION: RetentionPolicy = {
  rawMs: 15 * 86_400_000,
  rollup5mMs: 90 * 86_400_000,
  rollup1hMs: 730 * 86_400_000,
};

/** Blocks entirely older than `now - keepMs`. */
export function expiredBlocks(blocks: readonly Block[], now: number, keepMs: number): Block[] {
  const cutoff = now - keepMs;
  return blocks.filter((b) => b.meta.maxTime <= cutoff);
}
