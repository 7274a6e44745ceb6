import { problems } from '@parley/kit';
import type { Flag } from '../model/flag.js';
import type { Ruleset } from '../model/ruleset.js';
import type { Segment } from '../model/segment.js';

/** One environment of one project of one tenant: the unit an SDK key grants and a ruleset covers. */
export interface EnvironmentRef {
  tenantId: string;
  project: string;
  environment: string;
}

/** A ruleset as of one version. `version` grows with every change in the environment. */
export interface RulesetSnapshot {
  ruleset: Ruleset;
  version: number;
  /** Strong ETag derived from the version (quoted, as sent on the wire). */
  etag: string;
  /** Serialized ruleset, computed once per version and shared by every SDK that downloads it. */
  json: string;
}

/** What one write changed, so streams can send a patch instead of the whole ruleset. */
export interface RulesetChange {
  /** The version the change applies to; a subscriber at another version needs the full ruleset. */
  from: number;
  version: number;
  /** Flags and segments added or replaced. */
  flags: Flag[];
  segments: Segment[];
  deletedFlags: string[];
  deletedSegments: string[];
}

/** Evaluation activity of one flag in one environment, for the stale-flag report. */
export interface FlagUsage {
  key: string;
  evaluations: number;
  lastEvaluatedAt: number;
}

export interface WriteOptions {
  /** Optimistic concurrency: the version of the flag/segment the caller last read (412 otherwise). */
  expectedVersion?: number;
  /** Who makes the change, for the history (stores that keep one). */
  actor?: string;
}

/** Optimistic concurrency check shared by the stores: 412 when the caller's version is not current. */
export function checkVersion(current: number | undefined, options: WriteOptions, what: string): void {
  if (options.expectedVersion === undefined || options.expectedVersion === (current ?? 0)) return;
  throw problems.preconditionFailed(
    `${what} is at version ${current ?? 0}, not ${options.expectedVersion}; reload it and apply the change again`,
  );
}

/**
 * Storage of flags and segments per environment, plus change notification for streaming.
 * The in-memory implementation serves tests and single-process use; PgFlagStore keeps them in
 * PostgreSQL (tenant-scoped with RLS, history and change requests), with `subscribe` fed by a
 * ChangeBus (Redis pub/sub) so every server process streams every change.
 */
export interface FlagStore {
  snapshot(env: EnvironmentRef): Promise<RulesetSnapshot>;
  /** Calls `listener` with each new snapshot and what changed; returns the unsubscribe function. */
  subscribe(env: EnvironmentRef, listener: RulesetListener): () => void;
  /** Validates (path-precise problems) and stores a flag; returns it with its new version. */
  putFlag(env: EnvironmentRef, flag: unknown, options?: WriteOptions): Promise<Flag>;
  deleteFlag(env: EnvironmentRef, key: string, options?: WriteOptions): Promise<void>;
  putSegment(env: EnvironmentRef, segment: unknown, options?: WriteOptions): Promise<Segment>;
  deleteSegment(env: EnvironmentRef, key: string, options?: WriteOptions): Promise<void>;
  /** Adds a batch of evaluation counts (from an SDK or the OFREP routes) observed up to `at`. */
  recordEvaluations(env: EnvironmentRef, counts: Readonly<Record<string, number>>, at: number): Promise<void>;
  usage(env: EnvironmentRef): Promise<FlagUsage[]>;
  /** Environments holding a scheduled change due at or before `now`. */
  environmentsWithDueChanges(now: number): Promise<EnvironmentRef[]>;
  /** Applies scheduled changes that are due at `now`; returns the keys of the flags changed. */
  applyScheduledChanges(env: EnvironmentRef, now: number): Promise<string[]>;
}

export type RulesetListener = (snapshot: RulesetSnapshot, change: RulesetChange) => void;

export function environmentId(env: EnvironmentRef): string {
  return `${env.tenantId}\u0000${env.project}\u0000${env.environment}`;
}
