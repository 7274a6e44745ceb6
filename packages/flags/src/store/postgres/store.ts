import { type Db, type Tx, withTenant } from '@parley/db';
import { type Clock, problems, systemClock } from '@parley/kit';
import { eq, lte } from 'drizzle-orm';
import type { Flag } from '../../model/flag.js';
import type { Ruleset } from '../../model/ruleset.js';
import { applyDueChanges } from '../../model/schedule.js';
import type { Segment } from '../../model/segment.js';
import { flagDueWork, flagEnvironments, flagProjects } from '../../schema/flags.js';
import type { StaleFlagEntry, StaleThresholds } from '../../stale.js';
import type { ChangeBus, ChangeNotice } from '../change-bus.js';
import { LocalChangeBus } from '../change-bus.js';
import {
  type EnvironmentRef,
  environmentId,
  type FlagStore,
  type FlagUsage,
  type RulesetChange,
  type RulesetListener,
  type RulesetSnapshot,
  type WriteOptions,
} from '../flag-store.js';
import {
  applyDueChangeRequests,
  approveChangeRequest,
  type ChangeRequestInput,
  type ChangeRequestView,
  cancelChangeRequest,
  createChangeRequest,
  editChangeRequest,
  getChangeRequest,
  listChangeRequests,
} from './change-requests.js';
import { refreshDueWork } from './due-work.js';
import { type EnvironmentRow, findEnvironment, loadDefinitions } from './environment.js';
import { deleteFlag, deleteSegment, putFlag, putSegment, type WriteContext } from './mutations.js';
import {
  createEnvironment,
  createProject,
  type EnvironmentSettings,
  type EnvironmentView,
  listEnvironments,
  listProjects,
  type ProjectView,
  updateEnvironment,
} from './projects.js';
import { addEvaluations, type HistoryEntry, historyOf, staleReport, usageOf } from './reports.js';
import { parseSdkKey, type SdkKeyKind } from './sdk-key-format.js';
import { createSdkKey, findSdkKey, listSdkKeys, revokeSdkKey, type SdkKeyView } from './sdk-keys.js';

export interface PgFlagStoreOptions {
  db: Db;
  /** Change notices between server processes (default: this process only). */
  bus?: ChangeBus;
  clock?: Clock;
  /**
   * How long a cached ruleset is served before its version is checked against the database
   * (default 2 s). Notices make changes visible at once; this bounds staleness when one is lost.
   */
  revalidateMs?: number;
  /** How long a resolved SDK key is trusted (default 5 s): revocation takes effect within it. */
  keyCacheMs?: number;
  /**
   * How often the environments this process streams are checked against the database (default
   * 30 s), so streams converge even when a change notice was lost and no request came by.
   */
  resyncMs?: number;
  onError?: (error: unknown) => void;
}

export interface ManagementWriteOptions extends WriteOptions {
  actor: string;
}

interface Cached {
  snapshot: RulesetSnapshot;
  checkedAt: number;
}

interface Grant {
  environment: EnvironmentRef;
  kind: SdkKeyKind;
}

const MAX_CACHED_ENVIRONMENTS = 10_000;
const MAX_CACHED_KEYS = 10_000;

/**
 * Flags in PostgreSQL. Every operation runs inside withTenant (row-level security on every
 * table); writes lock their environment row, validate against the environment's current
 * definitions, keep a history entry per change, bump the environment's ruleset version and
 * announce the change on the ChangeBus. Each process keeps the rulesets it serves in memory
 * (serialised once per version, shared by every SDK stream) and refreshes one when a notice
 * names it, then hands the new snapshot and the patch to its local subscribers (SSE streams).
 */
export class PgFlagStore implements FlagStore {
  private readonly db: Db;
  private readonly bus: ChangeBus;
  private readonly clock: Clock;
  private readonly revalidateMs: number;
  private readonly keyCacheMs: number;
  private readonly onError: (error: unknown) => void;
  private readonly cache = new Map<string, Cached>();
  private readonly loading = new Map<string, Promise<RulesetSnapshot>>();
  /** Local subscribers (SSE streams) per environment id, with the environment they follow. */
  private readonly listeners = new Map<string, { env: EnvironmentRef; set: Set<RulesetListener> }>();
  /** Notices of one environment are handled in order, one after the other. */
  private readonly noticeChains = new Map<string, Promise<void>>();
  private readonly keys = new Map<string, { grant: Grant | undefined; at: number }>();
  private readonly resync: NodeJS.Timeout;

  constructor(options: PgFlagStoreOptions) {
    this.db = options.db;
    this.bus = options.bus ?? new LocalChangeBus();
    this.clock = options.clock ?? systemClock;
    this.revalidateMs = options.revalidateMs ?? 2_000;
    this.keyCacheMs = options.keyCacheMs ?? 5_000;
    this.onError = options.onError ?? (() => undefined);
    this.bus.onNotice((notice) => this.handleNotice(notice));
    this.resync = setInterval(() => void this.resyncStreamed(), options.resyncMs ?? 30_000);
    this.resync.unref();
  }

  // ── Delivery (FlagStore) ──────────────────────────────────────────────────────────────────

  async snapshot(env: EnvironmentRef): Promise<RulesetSnapshot> {
    const id = environmentId(env);
    const cached = this.cache.get(id);
    if (cached && this.clock.now() - cached.checkedAt < this.revalidateMs) return cached.snapshot;
    const snapshot = await this.load(env);
    // A newer version found without its notice (a lost message): subscribers get it in full.
    if (cached && snapshot.version > cached.snapshot.version && !this.noticeChains.has(id))
      this.emit(id, snapshot, fullChange(snapshot));
    return snapshot;
  }

  subscribe(env: EnvironmentRef, listener: RulesetListener): () => void {
    const id = environmentId(env);
    let entry = this.listeners.get(id);
    if (!entry) {
      entry = { env: { ...env }, set: new Set() };
      this.listeners.set(id, entry);
    }
    const { set } = entry;
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0 && this.listeners.get(id)?.set === set) this.listeners.delete(id);
    };
  }

  /** Number of live subscriptions (open SSE streams) of an environment in this process. */
  subscriberCount(env: EnvironmentRef): number {
    return this.listeners.get(environmentId(env))?.set.size ?? 0;
  }

  async putFlag(env: EnvironmentRef, flag: unknown, options: WriteOptions = {}): Promise<Flag> {
    return this.write(env, options.actor ?? 'system', (ctx) => putFlag(ctx, flag, options));
  }

  async deleteFlag(env: EnvironmentRef, key: string, options: WriteOptions = {}): Promise<void> {
    return this.write(env, options.actor ?? 'system', (ctx) => deleteFlag(ctx, key, options));
  }

  async putSegment(env: EnvironmentRef, segment: unknown, options: WriteOptions = {}): Promise<Segment> {
    return this.write(env, options.actor ?? 'system', (ctx) => putSegment(ctx, segment, options));
  }

  async deleteSegment(env: EnvironmentRef, key: string, options: WriteOptions = {}): Promise<void> {
    return this.write(env, options.actor ?? 'system', (ctx) => deleteSegment(ctx, key, options));
  }

  async recordEvaluations(
    env: EnvironmentRef,
    counts: Readonly<Record<string, number>>,
    at: number,
  ): Promise<void> {
    await this.inEnvironment(env, (tx, environment) => addEvaluations(tx, environment, counts, new Date(at)));
  }

  async usage(env: EnvironmentRef): Promise<FlagUsage[]> {
    return this.inEnvironment(env, (tx, environment) => usageOf(tx, environment));
  }

  /**
   * Environments with time-based work due. flag_due_work is the one table read across tenants:
   * it is not FORCE'd, so the owner connection (outside withTenant) sees every row; each
   * environment's work then runs inside its own tenant.
   */
  async environmentsWithDueChanges(now: number): Promise<EnvironmentRef[]> {
    const due = await this.db
      .select()
      .from(flagDueWork)
      .where(lte(flagDueWork.dueAt, new Date(now)));
    const refs: EnvironmentRef[] = [];
    for (const row of due) {
      const [names] = await withTenant(this.db, row.tenantId, (tx) =>
        tx
          .select({ project: flagProjects.key, environment: flagEnvironments.key })
          .from(flagEnvironments)
          .innerJoin(flagProjects, eq(flagProjects.id, flagEnvironments.projectId))
          .where(eq(flagEnvironments.id, row.environmentId)),
      );
      if (names) refs.push({ tenantId: row.tenantId, ...names });
    }
    return refs;
  }

  /** Applies due scheduled flag changes and due scheduled change requests (protected or not). */
  async applyScheduledChanges(env: EnvironmentRef, now: number): Promise<string[]> {
    return this.write(
      env,
      'scheduler',
      async (ctx) => {
        for (const flag of [...ctx.flags.values()]) {
          const next = applyDueChanges(flag, now);
          if (next !== flag) await putFlag(ctx, next);
        }
        await applyDueChangeRequests(ctx);
        return [...ctx.changed.flags, ...ctx.changed.deletedFlags];
      },
      { protectedOk: true, now },
    );
  }

  // ── Management ───────────────────────────────────────────────────────────────────────────

  async projects(tenantId: string): Promise<ProjectView[]> {
    return withTenant(this.db, tenantId, (tx) => listProjects(tx));
  }

  async createProject(tenantId: string, input: { key: string; name: string }): Promise<ProjectView> {
    return withTenant(this.db, tenantId, (tx) => createProject(tx, tenantId, input));
  }

  async environments(tenantId: string, project: string): Promise<EnvironmentView[]> {
    return withTenant(this.db, tenantId, (tx) => listEnvironments(tx, project));
  }

  async createEnvironment(
    tenantId: string,
    project: string,
    input: { key: string; name: string } & EnvironmentSettings,
  ): Promise<EnvironmentView> {
    return withTenant(this.db, tenantId, (tx) => createEnvironment(tx, tenantId, project, input));
  }

  async updateEnvironment(env: EnvironmentRef, settings: EnvironmentSettings): Promise<EnvironmentView> {
    return this.inEnvironment(env, (tx, environment) => updateEnvironment(tx, environment.id, settings));
  }

  /** Runs `work` inside the tenant with the environment's row (404 when it does not exist). */
  async inEnvironment<T>(
    env: EnvironmentRef,
    work: (tx: Tx, environment: EnvironmentRow) => Promise<T>,
  ): Promise<T> {
    return withTenant(this.db, env.tenantId, async (tx) => work(tx, await findEnvironment(tx, env)));
  }

  async flags(env: EnvironmentRef): Promise<Flag[]> {
    return this.inEnvironment(env, async (tx, environment) => [
      ...(await loadDefinitions(tx, environment.id)).flags.values(),
    ]);
  }

  async segments(env: EnvironmentRef): Promise<Segment[]> {
    return this.inEnvironment(env, async (tx, environment) => [
      ...(await loadDefinitions(tx, environment.id)).segments.values(),
    ]);
  }

  async history(
    env: EnvironmentRef,
    subject: 'flag' | 'segment',
    key: string,
    limit: number,
  ): Promise<HistoryEntry[]> {
    return this.inEnvironment(env, (tx, environment) => historyOf(tx, environment, subject, key, limit));
  }

  async staleFlags(env: EnvironmentRef, limits: StaleThresholds): Promise<StaleFlagEntry[]> {
    return this.inEnvironment(env, (tx, environment) =>
      staleReport(tx, environment, this.clock.now(), limits),
    );
  }

  async createChangeRequest(
    env: EnvironmentRef,
    input: ChangeRequestInput,
    author: string,
  ): Promise<ChangeRequestView> {
    return this.inEnvironment(env, async (tx, environment) =>
      createChangeRequest(
        tx,
        env.tenantId,
        environment,
        await loadDefinitions(tx, environment.id),
        input,
        author,
        new Date(this.clock.now()),
      ),
    );
  }

  async editChangeRequest(
    env: EnvironmentRef,
    id: string,
    input: ChangeRequestInput,
    editor: string,
    expectedRevision?: number,
  ): Promise<ChangeRequestView> {
    return this.inEnvironment(env, async (tx, environment) =>
      editChangeRequest(
        tx,
        environment,
        await loadDefinitions(tx, environment.id),
        id,
        input,
        editor,
        expectedRevision,
        new Date(this.clock.now()),
      ),
    );
  }

  async approveChangeRequest(env: EnvironmentRef, id: string, approver: string): Promise<ChangeRequestView> {
    return this.write(env, approver, (ctx) => approveChangeRequest(ctx, id, approver), { protectedOk: true });
  }

  async cancelChangeRequest(
    env: EnvironmentRef,
    id: string,
    caller: string,
    mayApprove: boolean,
  ): Promise<ChangeRequestView> {
    return this.write(env, caller, (ctx) => cancelChangeRequest(ctx, id, caller, mayApprove), {
      protectedOk: true,
    });
  }

  async changeRequests(
    env: EnvironmentRef,
    status?: ChangeRequestView['status'],
  ): Promise<ChangeRequestView[]> {
    return this.inEnvironment(env, (tx, environment) => listChangeRequests(tx, environment, status));
  }

  async changeRequest(env: EnvironmentRef, id: string): Promise<ChangeRequestView> {
    return this.inEnvironment(env, (tx, environment) => getChangeRequest(tx, environment, id));
  }

  async createSdkKey(
    env: EnvironmentRef,
    input: { kind: SdkKeyKind; name: string },
    createdBy: string,
  ): Promise<{ key: string; view: SdkKeyView }> {
    return this.inEnvironment(env, (tx, environment) =>
      createSdkKey(tx, env.tenantId, environment, input, createdBy),
    );
  }

  async sdkKeys(env: EnvironmentRef): Promise<SdkKeyView[]> {
    return this.inEnvironment(env, (tx, environment) => listSdkKeys(tx, environment));
  }

  async revokeSdkKey(env: EnvironmentRef, id: string): Promise<void> {
    await this.inEnvironment(env, (tx, environment) =>
      revokeSdkKey(tx, environment, id, new Date(this.clock.now())),
    );
    // This process forgets every cached key at once; other processes within keyCacheMs.
    this.keys.clear();
  }

  /** What an SDK key grants: looked up by hash inside the tenant the key names; cached briefly. */
  async resolveKey(key: string): Promise<Grant | undefined> {
    const parsed = parseSdkKey(key);
    if (!parsed) return undefined;
    const cached = this.keys.get(key);
    const now = this.clock.now();
    if (cached && now - cached.at < this.keyCacheMs) return cached.grant;
    const found = await withTenant(this.db, parsed.tenantId, (tx) => findSdkKey(tx, parsed.tenantId, key));
    // A key's kind is part of the key itself: a stored row of another kind is no match.
    const grant = found && found.kind === parsed.kind ? found : undefined;
    if (this.keys.size >= MAX_CACHED_KEYS) this.keys.clear();
    this.keys.set(key, { grant, at: now });
    return grant;
  }

  async close(): Promise<void> {
    clearInterval(this.resync);
    await this.bus.close();
  }

  // ── Internals ────────────────────────────────────────────────────────────────────────────

  /**
   * One write transaction: lock the environment, run `work` on its definitions, and when
   * anything changed bump the version, refresh the due-work time, then (after commit) cache the
   * new snapshot and announce the change. Protected environments change only through approved
   * change requests and the scheduler (`protectedOk`).
   */
  private async write<T>(
    env: EnvironmentRef,
    actor: string,
    work: (ctx: WriteContext) => Promise<T>,
    options: { protectedOk?: boolean; now?: number } = {},
  ): Promise<T> {
    const now = new Date(options.now ?? this.clock.now());
    const outcome = await withTenant(this.db, env.tenantId, async (tx) => {
      const environment = await findEnvironment(tx, env, true);
      if (environment.protected && !options.protectedOk)
        throw problems.conflict(
          `environment '${env.environment}' is protected: changes go through a change request with ${environment.requiredApprovals} approval(s)`,
        );
      const ctx: WriteContext = {
        tx,
        tenantId: env.tenantId,
        environment,
        actor,
        now,
        ...(await loadDefinitions(tx, environment.id)),
        changed: {
          flags: new Set(),
          segments: new Set(),
          deletedFlags: new Set(),
          deletedSegments: new Set(),
        },
      };
      const result = await work(ctx);
      await refreshDueWork(ctx);
      const { flags, segments, deletedFlags, deletedSegments } = ctx.changed;
      if (flags.size + segments.size + deletedFlags.size + deletedSegments.size === 0) return { result };
      const version = environment.version + 1;
      await tx.update(flagEnvironments).set({ version }).where(eq(flagEnvironments.id, environment.id));
      const notice: ChangeNotice = {
        environment: { ...env },
        from: environment.version,
        version,
        flags: [...flags],
        segments: [...segments],
        deletedFlags: [...deletedFlags],
        deletedSegments: [...deletedSegments],
      };
      const ruleset: Ruleset = {
        flags: sortedByKey(ctx.flags.values()),
        segments: sortedByKey(ctx.segments.values()),
        version,
      };
      return { result, notice, ruleset };
    });
    if (outcome.notice && outcome.ruleset) {
      this.remember(env, toSnapshot(outcome.ruleset));
      await this.bus.publish(outcome.notice).catch(this.onError);
    }
    return outcome.result;
  }

  /** Loads the environment's ruleset unless the cached one is current; one load at a time per environment. */
  private load(env: EnvironmentRef): Promise<RulesetSnapshot> {
    const id = environmentId(env);
    const pending = this.loading.get(id);
    if (pending) return pending;
    const loading = this.inEnvironment(env, async (tx, environment) => {
      const cached = this.cache.get(id)?.snapshot;
      if (cached?.version === environment.version) return cached;
      const definitions = await loadDefinitions(tx, environment.id);
      return toSnapshot({
        flags: [...definitions.flags.values()],
        segments: [...definitions.segments.values()],
        version: environment.version,
      });
    })
      .then((snapshot) => {
        this.remember(env, snapshot);
        return snapshot;
      })
      .finally(() => this.loading.delete(id));
    this.loading.set(id, loading);
    return loading;
  }

  /** Revalidates every streamed environment (snapshot() emits a newer version in full). */
  private async resyncStreamed(): Promise<void> {
    for (const { env } of [...this.listeners.values()]) await this.snapshot(env).catch(this.onError);
  }

  private remember(env: EnvironmentRef, snapshot: RulesetSnapshot): void {
    const id = environmentId(env);
    const cached = this.cache.get(id);
    if (cached && cached.snapshot.version > snapshot.version) return;
    if (!cached && this.cache.size >= MAX_CACHED_ENVIRONMENTS) {
      for (const key of this.cache.keys()) if (!this.listeners.has(key)) this.cache.delete(key);
    }
    this.cache.set(id, {
      snapshot: cached?.snapshot.version === snapshot.version ? cached.snapshot : snapshot,
      checkedAt: this.clock.now(),
    });
  }

  private handleNotice(notice: ChangeNotice): void {
    const id = environmentId(notice.environment);
    if (!this.listeners.has(id)) {
      // Nobody streams it here: forget the old ruleset, the next request loads the new one.
      if ((this.cache.get(id)?.snapshot.version ?? notice.version) < notice.version) this.cache.delete(id);
      return;
    }
    const previous = this.noticeChains.get(id) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        let snapshot = this.cache.get(id)?.snapshot;
        // A load that started before the write committed answers the old version: load again.
        for (let attempt = 0; (!snapshot || snapshot.version < notice.version) && attempt < 3; attempt++)
          snapshot = await this.load(notice.environment);
        if (!snapshot || snapshot.version < notice.version) return;
        this.emit(
          id,
          snapshot,
          snapshot.version === notice.version ? patchOf(notice, snapshot) : fullChange(snapshot),
        );
      })
      .catch(this.onError)
      .finally(() => {
        if (this.noticeChains.get(id) === next) this.noticeChains.delete(id);
      });
    this.noticeChains.set(id, next);
  }

  private emit(id: string, snapshot: RulesetSnapshot, change: RulesetChange): void {
    for (const listener of this.listeners.get(id)?.set ?? []) listener(snapshot, change);
  }
}

function toSnapshot(ruleset: Ruleset): RulesetSnapshot {
  const version = ruleset.version ?? 0;
  return { ruleset, version, etag: `"${version}"`, json: JSON.stringify(ruleset) };
}

function sortedByKey<T extends { key: string }>(items: Iterable<T>): T[] {
  return [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** The patch a notice describes, with the definitions taken from the snapshot at its version. */
function patchOf(notice: ChangeNotice, snapshot: RulesetSnapshot): RulesetChange {
  const flags = new Set(notice.flags);
  const segments = new Set(notice.segments);
  return {
    from: notice.from,
    version: notice.version,
    flags: snapshot.ruleset.flags.filter((f) => flags.has(f.key)),
    segments: snapshot.ruleset.segments.filter((s) => segments.has(s.key)),
    deletedFlags: notice.deletedFlags,
    deletedSegments: notice.deletedSegments,
  };
}

/** A change no subscriber can apply as a patch (from −1): streams send the whole ruleset. */
function fullChange(snapshot: RulesetSnapshot): RulesetChange {
  return {
    from: -1,
    version: snapshot.version,
    flags: [],
    segments: [],
    deletedFlags: [],
    deletedSegments: [],
  };
}
