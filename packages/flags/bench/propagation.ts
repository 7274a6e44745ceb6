import { Worker } from 'node:worker_threads';
import { openDatabase, tenants } from '@parley/db';
import { newId } from '@parley/kit';
import type { BenchRow } from '@parley/kit/bench';
import { summarize } from '@parley/kit/bench';
import Fastify from 'fastify';
import { Redis } from 'ioredis';
import { flagsDeliveryPlugin } from '../src/api/index.js';
import type { Flag } from '../src/model/index.js';
import {
  type EnvironmentRef,
  type FlagStore,
  InMemoryFlagStore,
  PgFlagStore,
  RedisChangeBus,
} from '../src/store/index.js';

const KEY = 'bench-server-key';
const clock = () => performance.timeOrigin + performance.now();

/** The worker is TypeScript like this file: register tsx's loader in the worker, then import it. */
const workerBootstrap = new URL(
  `data:text/javascript,${encodeURIComponent(
    `const { register } = await import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))});
     register();
     await import(${JSON.stringify(new URL('./propagation-worker.ts', import.meta.url).href)});`,
  )}`,
);

function flag(on: boolean): Flag {
  return {
    key: 'rollout',
    type: 'boolean',
    variations: [{ value: false }, { value: true }],
    on,
    offVariation: 0,
    fallthrough: { variation: 1 },
  };
}

/** A store the benchmark can count the open streams of. */
type CountedStore = FlagStore & { subscriberCount(env: EnvironmentRef): number };

interface Node {
  store: CountedStore;
  env: EnvironmentRef;
  key: string;
  close(): Promise<void>;
}

/** The in-memory store: the node's own fan-out, no database. */
async function memoryNode(): Promise<Node> {
  const env = { tenantId: 'bench', project: 'p', environment: 'production' };
  const store = new InMemoryFlagStore();
  for (let i = 0; i < 50; i++) await store.putFlag(env, { ...flag(true), key: `filler-${i}` });
  await store.putFlag(env, flag(true));
  return { store, env, key: KEY, close: async () => undefined };
}

/**
 * The server's path: PgFlagStore on embedded PGlite (on this thread, as in `parley start`), the
 * change announced over Redis (REDIS_URL, default 127.0.0.1:6379) and read back by this node.
 */
async function postgresNode(): Promise<Node> {
  const database = openDatabase();
  await database.migrate();
  const tenantId = newId();
  await database.db.insert(tenants).values({ id: tenantId, slug: 'bench', name: 'bench' });
  const redis = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  const bus = new RedisChangeBus(redis);
  await bus.started();
  const store = new PgFlagStore({ db: database.db, bus });
  await store.createProject(tenantId, { key: 'p', name: 'P' });
  await store.createEnvironment(tenantId, 'p', { key: 'production', name: 'Production' });
  const env = { tenantId, project: 'p', environment: 'production' };
  for (let i = 0; i < 50; i++) await store.putFlag(env, { ...flag(true), key: `filler-${i}` });
  await store.putFlag(env, flag(true));
  const { key } = await store.createSdkKey(env, { kind: 'server', name: 'bench' }, 'bench');
  return {
    store,
    env,
    key,
    async close() {
      await store.close();
      redis.disconnect();
      await database.close();
    },
  };
}

/**
 * One node (Fastify + the delivery plugin + a store) on this thread; N SSE subscribers on worker
 * threads (FLAGS_BENCH_WORKERS, default 2 quick / 4 full). A flag is written to the store and the
 * time until each subscriber has it is recorded: `raw` subscribers only read the event id (the
 * node's fan-out), `sdk` subscribers are FlagsClients that parse, apply and recompile the patch
 * before the flag reads the new value. The last scenario writes through PostgreSQL and Redis.
 */
export async function propagationBenchmarks(
  quick: boolean,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const count = quick ? 300 : 1000;
  const changes = quick ? 5 : 10;
  const workers = Number(process.env.FLAGS_BENCH_WORKERS ?? (quick ? 2 : 4));
  const scenarios = [
    { node: memoryNode, mode: 'raw', what: `SSE fan-out to ${count} streams` },
    { node: memoryNode, mode: 'sdk', what: `change applied in ${count} SSE SDKs` },
    {
      node: postgresNode,
      mode: 'sdk',
      what: `change applied in ${count} SSE SDKs, PgFlagStore (PGlite) + Redis`,
    },
  ] as const;
  const rows: BenchRow[] = [];
  for (const scenario of scenarios) {
    const node = await scenario.node();
    const app = Fastify();
    await app.register(flagsDeliveryPlugin, {
      store: node.store,
      resolveKey: (key) => (key === node.key ? { environment: node.env, kind: 'server' } : undefined),
    });
    try {
      const url = await app.listen({ host: '127.0.0.1', port: 0 });
      const samples = await measure(node, url, count, changes, scenario.mode, workers);
      const s = summarize(samples);
      log(
        `${scenario.what} on ${workers} threads: p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms over ${samples.length} deliveries`,
      );
      rows.push(
        { name: `${scenario.what} p50`, value: s.p50, unit: 'ms', better: 'lower' },
        { name: `${scenario.what} p99`, value: s.p99, unit: 'ms', better: 'lower', goal: { value: 100 } },
      );
    } finally {
      await app.close();
      await node.close();
    }
  }
  return rows;
}

/**
 * The subscribers are spread over `workers` threads (each its own event loop and heap), so no
 * single loop parses all N deliveries one after the other and the measuring thread only writes.
 */
async function measure(
  { store, env, key }: Node,
  url: string,
  count: number,
  changes: number,
  mode: 'raw' | 'sdk',
  workers: number,
): Promise<number[]> {
  const group = Array.from({ length: workers }, (_, i) => {
    const share = Math.floor(count / workers) + (i < count % workers ? 1 : 0);
    return new Worker(workerBootstrap, { workerData: { url, key, count: share, mode } });
  });
  let failed: (error: Error) => void = () => undefined;
  const failure = new Promise<never>((_, reject) => (failed = reject));
  failure.catch(() => undefined);
  for (const worker of group) worker.once('error', (error) => failed(error));
  const all = (type: string) =>
    Promise.race([
      failure,
      Promise.all(
        group.map(
          (worker) =>
            new Promise<{ times?: number[] }>((resolve) => {
              const onMessage = (message: { type: string; times?: number[] }) => {
                if (message.type !== type) return;
                worker.off('message', onMessage);
                resolve(message);
              };
              worker.on('message', onMessage);
            }),
        ),
      ),
    ]);
  try {
    await all('connected');
    await waitForStreams(store, env, count);
    const samples: number[] = [];
    for (let round = 0; round < changes; round++) {
      const on = round % 2 === 1;
      const version = (await store.snapshot(env)).version + 1;
      const armed = all('armed');
      const arrived = all('arrived');
      for (const worker of group) worker.postMessage({ type: 'arm', on, version });
      await armed;
      const started = clock();
      await store.putFlag(env, flag(on));
      for (const { times } of await arrived) samples.push(...times!.map((t) => t - started));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Leave the store as it started, for the next mode.
    if (changes % 2 === 1) await store.putFlag(env, flag(true));
    return samples;
  } finally {
    for (const worker of group) worker.postMessage({ type: 'close' });
    await waitForStreams(store, env, 0);
    await Promise.all(group.map((worker) => worker.terminate()));
  }
}

/** Each open stream holds one store subscription. */
async function waitForStreams(store: CountedStore, env: EnvironmentRef, expected: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (store.subscriberCount(env) !== expected) {
    if (Date.now() > deadline)
      throw new Error(`${store.subscriberCount(env)} streams attached, expected ${expected}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
