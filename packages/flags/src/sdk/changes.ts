import type { Ruleset } from '../model/ruleset.js';

/**
 * Keys of flags whose evaluation may differ between two rulesets: flags added, removed or edited,
 * and flags that reference an edited segment.
 */
export function changedFlagKeys(before: Ruleset | undefined, after: Ruleset): string[] {
  const old = new Map((before?.flags ?? []).map((f) => [f.key, JSON.stringify(f)]));
  const oldSegments = new Map((before?.segments ?? []).map((s) => [s.key, JSON.stringify(s)]));
  const changedSegments = new Set<string>();
  for (const segment of after.segments)
    if (oldSegments.get(segment.key) !== JSON.stringify(segment)) changedSegments.add(segment.key);
  for (const key of oldSegments.keys())
    if (!after.segments.some((s) => s.key === key)) changedSegments.add(key);
  const changed = new Set<string>();
  for (const flag of after.flags) {
    const usesChangedSegment = flag.rules?.some((r) =>
      r.clauses.some((c) => c.op === 'segmentMatch' && c.values.some((v) => changedSegments.has(String(v)))),
    );
    if (old.get(flag.key) !== identity(flag) || usesChangedSegment) changed.add(flag.key);
    old.delete(flag.key);
  }
  for (const key of old.keys()) changed.add(key);
  return [...changed];
}

function identity(definition: { version?: number }): string | number {
  return definition.version ?? JSON.stringify(definition);
}
