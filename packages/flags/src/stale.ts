import type { Flag, Serve } from './model/flag.js';

/**
 * The variation every context gets, or undefined when contexts may get different ones. A flag
 * that serves one variation to everyone for a long time is fully rolled out (or fully off): its
 * code path can be made permanent and the flag removed.
 */
export function servedToEveryone(flag: Flag): number | undefined {
  if (!flag.on) return flag.offVariation;
  if (flag.prerequisites?.length) return undefined;
  const served = singleVariation(flag.fallthrough);
  if (served === undefined) return undefined;
  const others = [
    ...(flag.targets ?? []).map((t) => t.variation),
    ...(flag.rules ?? []).map((r) => singleVariation(r.serve)),
  ];
  return others.every((v) => v === served) ? served : undefined;
}

function singleVariation(serve: Serve): number | undefined {
  if ('variation' in serve) return serve.variation;
  const weighted = serve.split.variations.filter((v) => v.weight > 0);
  return weighted.length === 1 ? weighted[0]!.variation : undefined;
}

export type StaleReason = 'never-evaluated' | 'not-evaluated-recently' | 'fully-rolled-out';

export interface StaleFlagEntry {
  key: string;
  kind: 'temporary' | 'permanent';
  evaluations: number;
  lastEvaluatedAt: string | null;
  /** Since when the flag serves `servedVariation` to everyone (null: it does not). */
  uniformSince: string | null;
  servedVariation: number | null;
  updatedAt: string;
  reasons: StaleReason[];
}

export interface StaleThresholds {
  /** Not evaluated for this long (or never, and unchanged for this long): unused. */
  unusedMs: number;
  /** A temporary flag serving one variation to everyone for this long: fully rolled out. */
  rolledOutMs: number;
}

export interface FlagActivity {
  flag: Flag;
  updatedAt: number;
  uniformSince: number | null;
  evaluations: number;
  lastEvaluatedAt: number | null;
}

export function staleReasons(activity: FlagActivity, now: number, limits: StaleThresholds): StaleReason[] {
  const reasons: StaleReason[] = [];
  if (activity.lastEvaluatedAt === null) {
    if (now - activity.updatedAt >= limits.unusedMs) reasons.push('never-evaluated');
  } else if (now - activity.lastEvaluatedAt >= limits.unusedMs) reasons.push('not-evaluated-recently');
  const temporary = (activity.flag.kind ?? 'temporary') === 'temporary';
  if (temporary && activity.uniformSince !== null && now - activity.uniformSince >= limits.rolledOutMs)
    reasons.push('fully-rolled-out');
  return reasons;
}

export function staleEntry(activity: FlagActivity, now: number, limits: StaleThresholds): StaleFlagEntry {
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    key: activity.flag.key,
    kind: activity.flag.kind ?? 'temporary',
    evaluations: activity.evaluations,
    lastEvaluatedAt: iso(activity.lastEvaluatedAt),
    uniformSince: iso(activity.uniformSince),
    servedVariation: activity.uniformSince === null ? null : (servedToEveryone(activity.flag) ?? null),
    updatedAt: new Date(activity.updatedAt).toISOString(),
    reasons: staleReasons(activity, now, limits),
  };
}
