import type { Flag } from './flag.js';

/**
 * Applies the scheduled changes that are due at `now` (in time order) and removes them from the
 * flag. Returns the same object when nothing was due, so callers can detect a change cheaply.
 */
export function applyDueChanges(flag: Flag, now: number): Flag {
  const changes = flag.scheduledChanges ?? [];
  const due = changes.filter((c) => Date.parse(c.at) <= now);
  if (due.length === 0) return flag;
  due.sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  let next: Flag = { ...flag, scheduledChanges: changes.filter((c) => !due.includes(c)) };
  for (const change of due) next = { ...next, ...change.set };
  if (next.scheduledChanges?.length === 0) delete next.scheduledChanges;
  return next;
}

/** The earliest pending scheduled change time, for arming a timer. */
export function nextChangeAt(flag: Flag): number | undefined {
  let next: number | undefined;
  for (const c of flag.scheduledChanges ?? []) {
    const at = Date.parse(c.at);
    if (next === undefined || at < next) next = at;
  }
  return next;
}
