import { problems } from '@parley/kit';
import type { Flag } from '../model/flag.js';

/** Refuses to delete a flag other flags depend on (409 naming them). */
export function assertNoDependents(flags: Iterable<Flag>, key: string): void {
  const dependents = [...flags].filter((f) => f.prerequisites?.some((p) => p.key === key));
  if (dependents.length)
    throw problems.conflict(
      `flag '${key}' is a prerequisite of ${dependents.map((f) => `'${f.key}'`).join(', ')}`,
    );
}

/** Refuses to delete a segment a flag's rules use (409 naming the flags). */
export function assertSegmentUnused(flags: Iterable<Flag>, key: string): void {
  const users = [...flags].filter((f) =>
    f.rules?.some((r) => r.clauses.some((c) => c.op === 'segmentMatch' && c.values.includes(key))),
  );
  if (users.length)
    throw problems.conflict(`segment '${key}' is used by ${users.map((f) => `'${f.key}'`).join(', ')}`);
}
