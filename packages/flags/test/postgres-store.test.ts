import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { ManualClock, ProblemError } from '@parley/kit';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PgFlagStore, RedisChangeBus, type RulesetChange, type RulesetSnapshot } from '../src/store/index.js';
import { booleanFlag } from './fixtures.js';
import { createTenant } from './support/tenants.js';
import { until } from './support/wait.js';

const DAY = 86_400_000;
let database: TestDatabase;
let store: PgFlagStore;
const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
let tenantA: string;
let tenantB: string;
let prod: { tenantId: string; project: string; environment: string };
let dev: { tenantId: string; project: string; environment: string };

async function problemOf(work: Promise<unknown>): Promise<ProblemError> {
  const error = await work.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ProblemError);
  return error as ProblemError;
}

beforeAll(async () => {
  database = await createTestDatabase();
  store = new PgFlagStore({ db: database.db, clock });
  tenantA = await createTenant(database, 'acme');
  tenantB = await createTenant(database, 'globex');
  await store.createProject(tenantA, { key: 'web', name: 'Web' });
  await store.createEnvironment(tenantA, 'web', { key: 'dev', name: 'Development' });
  await store.createEnvironment(tenantA, 'web', {
    key: 'prod',
    name: 'Production',
    protected: true,
    requiredApprovals: 2,
  });
  dev = { tenantId: tenantA, project: 'web', environment: 'dev' };
  prod = { tenantId: tenantA, project: 'web', environment: 'prod' };
});

afterAll(async () => {
  await store.close();
  await database.close();
});

describe('PgFlagStore writes', () => {
  it('versions flags, refuses stale versions with 412, and keeps a history with JSON Patch diffs', async () => {
    const created = await store.putFlag(dev, booleanFlag('checkout'), { actor: 'user:ann' });
    expect(created.version).toBe(1);
    const updated = await store.putFlag(dev, booleanFlag('checkout', { on: false }), {
      actor: 'user:bob',
      expectedVersion: 1,
    });
    expect(updated.version).toBe(2);
    const stale = await problemOf(store.putFlag(dev, booleanFlag('checkout'), { expectedVersion: 1 }));
    expect(stale.status).toBe(412);

    const history = await store.history(dev, 'flag', 'checkout', 10);
    expect(history.map((h) => [h.action, h.version, h.actor])).toEqual([
      ['update', 2, 'user:bob'],
      ['create', 1, 'user:ann'],
    ]);
    expect(history[0]!.diff).toEqual([{ op: 'replace', path: '/on', value: false }]);
    const snapshot = await store.snapshot(dev);
    expect(snapshot.version).toBe(2);
    expect(snapshot.ruleset.flags.map((f) => [f.key, f.version])).toEqual([['checkout', 2]]);
  });

  it('rejects invalid definitions with paths and keeps a key to one type across environments', async () => {
    const invalid = await problemOf(
      store.putFlag(dev, booleanFlag('bad', { rules: [{ id: 'r', clauses: [], serve: { variation: 7 } }] })),
    );
    expect(invalid.status).toBe(400);
    expect(invalid.extensions.errors).toEqual([
      expect.objectContaining({ path: '/rules/0/serve/variation' }),
    ]);
    await store.updateEnvironment(prod, { protected: false });
    const typed = await problemOf(
      store.putFlag(prod, {
        ...booleanFlag('checkout'),
        type: 'string',
        variations: [{ value: 'a' }, { value: 'b' }],
      }),
    );
    expect(typed.extensions.errors).toEqual([expect.objectContaining({ path: '/type' })]);
    await store.updateEnvironment(prod, { protected: true });
  });

  it('refuses deleting a prerequisite or a used segment, and deletes with history', async () => {
    await store.putFlag(dev, booleanFlag('child', { prerequisites: [{ key: 'checkout', variations: [1] }] }));
    expect((await problemOf(store.deleteFlag(dev, 'checkout'))).status).toBe(409);
    await store.deleteFlag(dev, 'child', { actor: 'user:ann' });
    const [deletion] = await store.history(dev, 'flag', 'child', 1);
    expect(deletion).toMatchObject({ action: 'delete', actor: 'user:ann' });
    expect((await problemOf(store.deleteFlag(dev, 'child'))).status).toBe(404);
  });

  it('refuses direct writes to a protected environment', async () => {
    const refused = await problemOf(store.putFlag(prod, booleanFlag('checkout')));
    expect(refused.status).toBe(409);
    expect(refused.message).toMatch(/protected/);
  });

  it('hides one tenant from another (row-level security): its environments are not found', async () => {
    const other = { ...dev, tenantId: tenantB };
    expect((await problemOf(store.snapshot(other))).status).toBe(404);
    expect((await problemOf(store.putFlag(other, booleanFlag('x')))).status).toBe(404);
    expect(await store.projects(tenantB)).toEqual([]);
  });
});

describe('change requests', () => {
  it('need N approvals from others; an edit invalidates approvals; approval applies the change', async () => {
    const request = await store.createChangeRequest(
      prod,
      { subject: 'flag', key: 'checkout', operation: 'put', definition: booleanFlag('checkout') },
      'user:ann',
    );
    expect(request).toMatchObject({ status: 'open', revision: 1, baseVersion: 0, requiredApprovals: 2 });
    expect((await problemOf(store.approveChangeRequest(prod, request.id, 'user:ann'))).status).toBe(403);
    expect((await store.approveChangeRequest(prod, request.id, 'user:bob')).approvals).toHaveLength(1);

    const edited = await store.editChangeRequest(
      prod,
      request.id,
      {
        subject: 'flag',
        key: 'checkout',
        operation: 'put',
        definition: booleanFlag('checkout', { on: false }),
      },
      'user:ann',
      1,
    );
    expect(edited).toMatchObject({ revision: 2, approvals: [] });
    expect(
      (
        await problemOf(
          store.editChangeRequest(
            prod,
            request.id,
            { subject: 'flag', key: 'checkout', operation: 'delete' },
            'user:bob',
          ),
        )
      ).status,
    ).toBe(403);

    await store.approveChangeRequest(prod, request.id, 'user:bob');
    const applied = await store.approveChangeRequest(prod, request.id, 'user:cy');
    expect(applied.status).toBe('applied');
    const snapshot = await store.snapshot(prod);
    expect(snapshot.ruleset.flags).toEqual([
      expect.objectContaining({ key: 'checkout', on: false, version: 1 }),
    ]);
    const [entry] = await store.history(prod, 'flag', 'checkout', 1);
    expect(entry).toMatchObject({ actor: 'user:ann', changeRequestId: request.id });
  });

  it('reject invalid proposals with paths into the definition', async () => {
    const invalid = await problemOf(
      store.createChangeRequest(
        prod,
        {
          subject: 'flag',
          key: 'checkout',
          operation: 'put',
          definition: booleanFlag('checkout', { fallthrough: { variation: 9 } }),
        },
        'user:ann',
      ),
    );
    expect(invalid.extensions.errors).toEqual([
      expect.objectContaining({ path: '/definition/fallthrough/variation' }),
    ]);
  });

  it('are scheduled when approved before their time and applied by the scheduler when due', async () => {
    const applyAt = new Date(clock.now() + DAY).toISOString();
    const request = await store.createChangeRequest(
      prod,
      { subject: 'flag', key: 'checkout', operation: 'put', definition: booleanFlag('checkout'), applyAt },
      'user:ann',
    );
    await store.approveChangeRequest(prod, request.id, 'user:bob');
    expect((await store.approveChangeRequest(prod, request.id, 'user:cy')).status).toBe('scheduled');
    expect(await store.environmentsWithDueChanges(clock.now())).toEqual([]);
    const due = await store.environmentsWithDueChanges(clock.now() + DAY);
    expect(due).toEqual([prod]);
    await store.applyScheduledChanges(prod, clock.now() + DAY);
    expect((await store.changeRequest(prod, request.id)).status).toBe('applied');
    expect((await store.snapshot(prod)).ruleset.flags[0]).toMatchObject({ on: true, version: 2 });
    expect(await store.environmentsWithDueChanges(clock.now() + 2 * DAY)).toEqual([]);
  });
});

describe('scheduled flag changes', () => {
  it('apply through the due-work table, found across tenants', async () => {
    const otherDev = { tenantId: tenantB, project: 'web', environment: 'dev' };
    await store.createProject(tenantB, { key: 'web', name: 'Web' });
    await store.createEnvironment(tenantB, 'web', { key: 'dev', name: 'Development' });
    const at = new Date(clock.now() + 3_600_000).toISOString();
    await store.putFlag(
      otherDev,
      booleanFlag('launch', { on: false, scheduledChanges: [{ id: 's', at, set: { on: true } }] }),
    );
    expect(await store.environmentsWithDueChanges(clock.now() + 3_600_000)).toEqual([otherDev]);
    expect(await store.applyScheduledChanges(otherDev, clock.now() + 3_600_000)).toEqual(['launch']);
    const flag = (await store.flags(otherDev))[0]!;
    expect(flag).toMatchObject({ on: true, version: 2 });
    expect(flag.scheduledChanges).toBeUndefined();
    expect((await store.history(otherDev, 'flag', 'launch', 1))[0]).toMatchObject({ actor: 'scheduler' });
  });
});

describe('evaluation counts and the stale report', () => {
  it('adds batches per flag, drops unknown keys, and reports unused and fully rolled-out flags', async () => {
    await store.putFlag(dev, booleanFlag('rolled-out'));
    await store.putFlag(
      dev,
      booleanFlag('partial', {
        fallthrough: {
          split: {
            variations: [
              { variation: 0, weight: 50_000 },
              { variation: 1, weight: 50_000 },
            ],
          },
        },
      }),
    );
    await store.recordEvaluations(dev, { checkout: 3, partial: 2, 'no-such-flag': 5 }, clock.now());
    await store.recordEvaluations(dev, { checkout: 4 }, clock.now() + 1000);
    const usage = await store.usage(dev);
    expect(usage.map((u) => [u.key, u.evaluations]).sort()).toEqual([
      ['checkout', 7],
      ['partial', 2],
    ]);
    clock.advance(40 * DAY);
    const report = await store.staleFlags(dev, { unusedMs: 7 * DAY, rolledOutMs: 30 * DAY });
    const byKey = Object.fromEntries(report.map((e) => [e.key, e]));
    expect(byKey['rolled-out']!.reasons).toEqual(['never-evaluated', 'fully-rolled-out']);
    expect(byKey['rolled-out']!.servedVariation).toBe(1);
    expect(byKey.partial!.reasons).toEqual(['not-evaluated-recently']);
    expect(byKey.partial!.uniformSince).toBeNull();
    await store.recordEvaluations(dev, { 'rolled-out': 1 }, clock.now());
    const again = await store.staleFlags(dev, { unusedMs: 7 * DAY, rolledOutMs: 30 * DAY });
    expect(again.find((e) => e.key === 'rolled-out')!.reasons).toEqual(['fully-rolled-out']);
  });
});

describe('SDK keys', () => {
  it('are shown once, stored hashed, resolve to their environment and kind, and can be revoked', async () => {
    const { key, view } = await store.createSdkKey(dev, { kind: 'client', name: 'web app' }, 'user:ann');
    expect(key).toMatch(/^parley_fc_/);
    expect(view.prefix).toBe(`parley_fc_…${key.slice(-43, -35)}`);
    expect(JSON.stringify(await store.sdkKeys(dev))).not.toContain(key);
    expect(await store.resolveKey(key)).toEqual({ environment: dev, kind: 'client' });
    // the same secret presented as a server key is not a key
    expect(await store.resolveKey(key.replace('parley_fc_', 'parley_fs_'))).toBeUndefined();
    expect(await store.resolveKey('parley_fs_garbage')).toBeUndefined();
    await store.revokeSdkKey(dev, view.id);
    expect(await store.resolveKey(key)).toBeUndefined();
  });
});

describe('change notification across processes (Redis pub/sub)', () => {
  it('a write on one store reaches the subscribers of another as a patch', async () => {
    const redisA = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: false });
    const redisB = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: false });
    const busA = new RedisChangeBus(redisA);
    const busB = new RedisChangeBus(redisB);
    await Promise.all([busA.started(), busB.started()]);
    const writer = new PgFlagStore({ db: database.db, bus: busA });
    const reader = new PgFlagStore({ db: database.db, bus: busB });
    try {
      const received: [RulesetSnapshot, RulesetChange][] = [];
      reader.subscribe(dev, (snapshot, change) => received.push([snapshot, change]));
      const before = await reader.snapshot(dev);
      await writer.putFlag(dev, booleanFlag('streamed'), { actor: 'user:ann' });
      await until(() => received.length > 0, 5_000, 'the notice');
      const [snapshot, change] = received[0]!;
      expect(snapshot.version).toBe(before.version + 1);
      expect(change).toMatchObject({ from: before.version, version: before.version + 1, deletedFlags: [] });
      expect(change.flags.map((f) => f.key)).toEqual(['streamed']);
      expect((await reader.snapshot(dev)).version).toBe(snapshot.version);
    } finally {
      await writer.close();
      await reader.close();
      redisA.disconnect();
      redisB.disconnect();
    }
  });

  it('a process that missed the notice resyncs its streams with the whole ruleset', async () => {
    // Two stores on separate local buses: the reader never hears of the writer's change.
    const writer = new PgFlagStore({ db: database.db });
    const reader = new PgFlagStore({ db: database.db, revalidateMs: 0, resyncMs: 50 });
    try {
      const received: [RulesetSnapshot, RulesetChange][] = [];
      reader.subscribe(dev, (snapshot, change) => received.push([snapshot, change]));
      const before = await reader.snapshot(dev);
      await writer.putFlag(dev, booleanFlag('unannounced'));
      await until(() => received.length > 0, 5_000, 'the resync');
      const [snapshot, change] = received[0]!;
      expect(snapshot.version).toBe(before.version + 1);
      expect(change.from).toBe(-1);
      expect(snapshot.ruleset.flags.map((f) => f.key)).toContain('unannounced');
    } finally {
      await writer.close();
      await reader.close();
    }
  });
});
