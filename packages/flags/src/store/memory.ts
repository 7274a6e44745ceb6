import { problems } from '@parley/kit';
import type { Flag } from '../model/flag.js';
import { applyDueChanges, nextChangeAt } from '../model/schedule.js';
import type { Segment } from '../model/segment.js';
import { validateFlag, validateSegment } from '../validate.js';
import {
  checkVersion,
  type EnvironmentRef,
  environmentId,
  type FlagStore,
  type FlagUsage,
  type RulesetChange,
  type RulesetListener,
  type RulesetSnapshot,
  type WriteOptions,
} from './flag-store.js';
import { assertNoDependents, assertSegmentUnused } from './references.js';

interface Environment {
  ref: EnvironmentRef;
  flags: Map<string, Flag>;
  segments: Map<string, Segment>;
  version: number;
  usage: Map<string, FlagUsage>;
  snapshot?: RulesetSnapshot;
  listeners: Set<RulesetListener>;
}

/** Flags held in process memory; every write validates and notifies subscribers synchronously. */
export class InMemoryFlagStore implements FlagStore {
  private readonly environments = new Map<string, Environment>();

  async snapshot(env: EnvironmentRef): Promise<RulesetSnapshot> {
    return this.current(this.environment(env));
  }

  subscribe(env: EnvironmentRef, listener: RulesetListener): () => void {
    const environment = this.environment(env);
    environment.listeners.add(listener);
    return () => environment.listeners.delete(listener);
  }

  /** Number of live subscriptions (open SSE streams) of an environment. */
  subscriberCount(env: EnvironmentRef): number {
    return this.environment(env).listeners.size;
  }

  async putFlag(env: EnvironmentRef, input: unknown, options: WriteOptions = {}): Promise<Flag> {
    const environment = this.environment(env);
    const result = validateFlag(input, environment);
    if (!result.ok) throw problems.validation(result.issues);
    const previous = environment.flags.get(result.value.key);
    checkVersion(previous?.version, options, `flag '${result.value.key}'`);
    const flag = { ...result.value, version: (previous?.version ?? 0) + 1 };
    environment.flags.set(flag.key, flag);
    this.publish(environment, { flags: [flag] });
    return flag;
  }

  async deleteFlag(env: EnvironmentRef, key: string, options: WriteOptions = {}): Promise<void> {
    const environment = this.environment(env);
    const flag = environment.flags.get(key);
    if (!flag) throw problems.notFound(`flag '${key}' not found`);
    checkVersion(flag.version, options, `flag '${key}'`);
    assertNoDependents(environment.flags.values(), key);
    environment.flags.delete(key);
    this.publish(environment, { deletedFlags: [key] });
  }

  async putSegment(env: EnvironmentRef, input: unknown, options: WriteOptions = {}): Promise<Segment> {
    const environment = this.environment(env);
    const result = validateSegment(input, environment);
    if (!result.ok) throw problems.validation(result.issues);
    const previous = environment.segments.get(result.value.key);
    checkVersion(previous?.version, options, `segment '${result.value.key}'`);
    const segment = { ...result.value, version: (previous?.version ?? 0) + 1 };
    environment.segments.set(segment.key, segment);
    this.publish(environment, { segments: [segment] });
    return segment;
  }

  async deleteSegment(env: EnvironmentRef, key: string, options: WriteOptions = {}): Promise<void> {
    const environment = this.environment(env);
    const segment = environment.segments.get(key);
    if (!segment) throw problems.notFound(`segment '${key}' not found`);
    checkVersion(segment.version, options, `segment '${key}'`);
    assertSegmentUnused(environment.flags.values(), key);
    environment.segments.delete(key);
    this.publish(environment, { deletedSegments: [key] });
  }

  async recordEvaluations(
    env: EnvironmentRef,
    counts: Readonly<Record<string, number>>,
    at: number,
  ): Promise<void> {
    const usage = this.environment(env).usage;
    for (const [key, count] of Object.entries(counts)) {
      if (!Number.isSafeInteger(count) || count <= 0) continue;
      const entry = usage.get(key);
      if (entry) {
        entry.evaluations += count;
        entry.lastEvaluatedAt = Math.max(entry.lastEvaluatedAt, at);
      } else usage.set(key, { key, evaluations: count, lastEvaluatedAt: at });
    }
  }

  async usage(env: EnvironmentRef): Promise<FlagUsage[]> {
    return [...this.environment(env).usage.values()].map((u) => ({ ...u }));
  }

  async environmentsWithDueChanges(now: number): Promise<EnvironmentRef[]> {
    return [...this.environments.values()]
      .filter((e) => [...e.flags.values()].some((f) => (nextChangeAt(f) ?? Number.POSITIVE_INFINITY) <= now))
      .map((e) => ({ ...e.ref }));
  }

  async applyScheduledChanges(env: EnvironmentRef, now: number): Promise<string[]> {
    const environment = this.environment(env);
    const changed: Flag[] = [];
    for (const flag of environment.flags.values()) {
      const next = applyDueChanges(flag, now);
      if (next === flag) continue;
      const updated = { ...next, version: (flag.version ?? 0) + 1 };
      environment.flags.set(flag.key, updated);
      changed.push(updated);
    }
    if (changed.length) this.publish(environment, { flags: changed });
    return changed.map((f) => f.key);
  }

  private environment(env: EnvironmentRef): Environment {
    const id = environmentId(env);
    let environment = this.environments.get(id);
    if (!environment) {
      environment = {
        ref: { ...env },
        flags: new Map(),
        segments: new Map(),
        version: 0,
        usage: new Map(),
        listeners: new Set(),
      };
      this.environments.set(id, environment);
    }
    return environment;
  }

  private current(environment: Environment): RulesetSnapshot {
    if (!environment.snapshot) {
      const ruleset = {
        flags: [...environment.flags.values()],
        segments: [...environment.segments.values()],
        version: environment.version,
      };
      environment.snapshot = {
        ruleset,
        version: environment.version,
        etag: `"${environment.version}"`,
        json: JSON.stringify(ruleset),
      };
    }
    return environment.snapshot;
  }

  private publish(environment: Environment, parts: Partial<Omit<RulesetChange, 'from' | 'version'>>): void {
    const from = environment.version++;
    environment.snapshot = undefined;
    const snapshot = this.current(environment);
    const change: RulesetChange = {
      from,
      version: environment.version,
      flags: parts.flags ?? [],
      segments: parts.segments ?? [],
      deletedFlags: parts.deletedFlags ?? [],
      deletedSegments: parts.deletedSegments ?? [],
    };
    for (const listener of environment.listeners) listener(snapshot, change);
  }
}
