/**
 * Compaction: merges adjacent blocks of one tier into a larger block covering an aligned window
 * (e.g. twelve 2h blocks into one 24h block), deduplicating samples of the same series, so queries
 * over long ranges open fewer files and the index is shared across more samples.
 */
import { Block, type BlockInput, removeBlock, writeBlock } from './block.js';
import { labelsKey } from './labels.js';
import { SampleBuffer } from './samples.js';

/** Groups of blocks that each fill one complete aligned window of `rangeMs`, oldest first. */
export function planCompaction(blocks: readonly Block[], rangeMs: number, newestTime: number): Block[][] {
  const windows = new Map<number, Block[]>();
  for (const b of blocks) {
    const start = Math.floor(b.meta.minTime / rangeMs) * rangeMs;
    if (b.meta.maxTime > start + rangeMs) continue; // already spans more than one window
    if (b.meta.minTime === start && b.meta.maxTime === start + rangeMs) continue; // already compacted
    const list = windows.get(start) ?? [];
    list.push(b);
    windows.set(start, list);
  }
  return [...windows.entries()]
    .filter(([start, list]) => list.length > 1 && start + rangeMs <= newestTime)
    .sort(([a], [b]) => a - b)
    .map(([, list]) => list.sort((x, y) => x.meta.minTime - y.meta.minTime));
}

/** Writes the merged block, then removes the sources. Returns the new block. */
export function compactBlocks(dir: string, sources: readonly Block[], rangeMs: number): Block {
  const merged = new Map<string, BlockInput>();
  for (const block of sources) {
    for (const s of block.allSeries()) {
      const key = labelsKey(s.labels);
      const prev = merged.get(key);
      merged.set(key, prev ? { labels: s.labels, samples: SampleBuffer.merge(prev.samples, s.samples) } : s);
    }
  }
  const start = Math.floor(sources[0]!.meta.minTime / rangeMs) * rangeMs;
  const meta = writeBlock(dir, merged.values(), {
    minTime: start,
    maxTime: start + rangeMs,
    resolution: sources[0]!.meta.resolution,
    level: Math.max(...sources.map((b) => b.meta.compaction.level)) + 1,
    sources: sources.flatMap((b) => b.meta.compaction.sources),
  });
  for (const b of sources) removeBlock(b);
  return new Block(`${dir}/${meta.id}`);
}
