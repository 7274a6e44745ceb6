import { ProblemError } from '@parley/kit';
import { describe, expect, it } from 'vitest';
import { InMemoryFlagStore, type RulesetSnapshot, runScheduledChanges } from '../src/store/index.js';
import { booleanFlag } from './fixtures.js';
import { until } from './support/wait.js';

const env = { tenantId: 't', project: 'p', environment: 'staging' };

async function rejection(promise: Promise<unknown>): Promise<ProblemError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ProblemError) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('InMemoryFlagStore', () => {
  it('versions flags and refuses a stale expectedVersion with 412', async () => {
    const store = new InMemoryFlagStore();
    expect((await store.putFlag(env, booleanFlag('a'))).version).toBe(1);
    expect((await store.putFlag(env, booleanFlag('a', { on: false }), { expectedVersion: 1 })).version).toBe(
      2,
    );
    const conflict = await rejection(store.putFlag(env, booleanFlag('a'), { expectedVersion: 1 }));
    expect(conflict.status).toBe(412);
  });

  it('rejects invalid flags with path-precise validation problems and keeps the old state', async () => {
    const store = new InMemoryFlagStore();
    const problem = await rejection(store.putFlag(env, booleanFlag('a', { offVariation: 9 })));
    expect(problem.status).toBe(400);
    expect(problem.extensions.errors).toEqual([{ path: '/offVariation', message: expect.any(String) }]);
    expect((await store.snapshot(env)).ruleset.flags).toEqual([]);
    await store
      .putFlag(env, booleanFlag('a', { prerequisites: [{ key: 'b', variations: [1] }] }))
      .catch(() => undefined);
    await store.putFlag(env, booleanFlag('b'));
    await store.putFlag(env, booleanFlag('a', { prerequisites: [{ key: 'b', variations: [1] }] }));
    const cycle = await rejection(
      store.putFlag(env, booleanFlag('b', { prerequisites: [{ key: 'a', variations: [1] }] })),
    );
    expect(cycle.extensions.errors).toEqual([
      { path: '/prerequisites/0/key', message: 'prerequisite cycle: b → a → b' },
    ]);
    expect((await rejection(store.deleteFlag(env, 'b'))).status).toBe(409);
  });

  it('notifies subscribers with a new snapshot per change and applies due scheduled changes', async () => {
    const store = new InMemoryFlagStore();
    const seen: RulesetSnapshot[] = [];
    const unsubscribe = store.subscribe(env, (s) => seen.push(s));
    await store.putFlag(
      env,
      booleanFlag('launch', {
        on: false,
        scheduledChanges: [{ id: 'go', at: '2030-01-01T00:00:00Z', set: { on: true } }],
      }),
    );
    expect(await store.applyScheduledChanges(env, Date.parse('2029-12-31T23:59:59Z'))).toEqual([]);
    expect(await store.applyScheduledChanges(env, Date.parse('2030-01-01T00:00:00Z'))).toEqual(['launch']);
    unsubscribe();
    await store.putSegment(env, { key: 's' });
    expect(seen.map((s) => s.version)).toEqual([1, 2]);
    const flag = seen[1]!.ruleset.flags[0]!;
    expect(flag).toMatchObject({ on: true, version: 2 });
    expect(flag.scheduledChanges).toBeUndefined();
    expect(seen[1]!.etag).toBe('"2"');
  });

  it('runs due scheduled changes on a timer, in every environment that has one', async () => {
    const store = new InMemoryFlagStore();
    const other = { ...env, environment: 'production' };
    let now = Date.parse('2030-01-01T00:00:00Z') - 1;
    const scheduled = booleanFlag('launch', {
      on: false,
      scheduledChanges: [{ id: 'go', at: '2030-01-01T00:00:00Z', set: { on: true } }],
    });
    await store.putFlag(env, scheduled);
    await store.putFlag(other, scheduled);
    await store.putFlag(other, booleanFlag('plain'));
    expect(await store.environmentsWithDueChanges(now)).toEqual([]);
    const stop = runScheduledChanges(store, { intervalMs: 10, now: () => now });
    const seen: number[] = [];
    store.subscribe(other, (snapshot) => seen.push(snapshot.version));
    now += 1;
    await until(() => seen.length > 0, 5_000, 'scheduled change applied');
    stop();
    for (const e of [env, other])
      expect((await store.snapshot(e)).ruleset.flags[0]).toMatchObject({ key: 'launch', on: true });
    expect(await store.environmentsWithDueChanges(now)).toEqual([]);
  });
});
