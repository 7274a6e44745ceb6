import type { Ruleset } from '../model/ruleset.js';
import type { RulesetChange } from '../store/flag-store.js';

/**
 * Keys of flags whose evaluation may differ between two rulesets: flags added, removed or edited,
 * and flags that reference an edited segment. Stored definitions carry a version, which is compared
 * instead of the whole definition when both sides have one.
 */
export function changedFlagKeys(before: Ruleset | undefined, after: Ruleset): string[] {
  const old = new Map((before?.flags ?? []).map((f) => [f.key, identity(f)]));
  const oldSegments = new Map((before?.segments ?? []).map((s) => [s.key, identity(s)]));
  const changedSegments = new Set<string>();
  for (const segment of after.segments) {
    if (oldSegments.get(segment.key) !== identity(segment)) changedSegments.add(segment.key);
    oldSegments.delete(segment.key);
  }
  for (const key of oldSegments.keys()) changedSegments.add(key);
  const changed: string[] = [];
  for (const flag of after.flags) {
    if (
      old.get(flag.key) !== identity(flag) ||
      (changedSegments.size > 0 && usesSegment(flag, changedSegments))
    )
      changed.push(flag.key);
    old.delete(flag.key);
  }
  for (const key of old.keys()) changed.push(key);
  return changed;
}

/**
 * The same answer for a patch, read from the patch itself instead of diffing two whole rulesets:
 * the flags it replaces or deletes, and the flags of `after` that use a segment it touches.
 */
export function patchedFlagKeys(change: RulesetChange, after: Ruleset): string[] {
  const changed = new Set([...change.flags.map((f) => f.key), ...change.deletedFlags]);
  if (change.segments.length || change.deletedSegments.length) {
    const segments = new Set([...change.segments.map((s) => s.key), ...change.deletedSegments]);
    for (const flag of after.flags) if (usesSegment(flag, segments)) changed.add(flag.key);
  }
  return [...changed];
}

function usesSegment(flag: Ruleset['flags'][number], segments: ReadonlySet<string>): boolean {
  return Boolean(
    flag.rules?.some((r) =>
      r.clauses.some((c) => c.op === 'segmentMatch' && c.values.some((v) => segments.has(String(v)))),
    ),
  );
}

function identity(definition: { version?: number }): string | number {
  return definition.version ?? JSON.stringify(definition);
}
