import { request } from 'node:http';
import type { BenchRow } from '@parley/kit/bench';
import { summarize } from '@parley/kit/bench';
import Fastify from 'fastify';
import { flagsDeliveryPlugin } from '../src/api/index.js';
import type { Flag } from '../src/model/index.js';
import { FlagsClient } from '../src/sdk/index.js';
import { InMemoryFlagStore } from '../src/store/index.js';

const env = { tenantId: 'bench', project: 'p', environment: 'production' };
const KEY = 'bench-server-key';

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

/**
 * N SDKs hold an SSE stream to one node; a flag is written to the store and the time until each
 * SDK has applied it is recorded. Everything runs in this process (server and SDKs share one
 * event loop), so the figures include the SDKs' own parsing and compiling.
 */
export async function propagationBenchmarks(
  quick: boolean,
  log: (line: string) => void,
): Promise<BenchRow[]> {
  const sdkCount = quick ? 300 : 1000;
  const changes = quick ? 5 : 10;
  const store = new InMemoryFlagStore();
  for (let i = 0; i < 50; i++) await store.putFlag(env, { ...flag(true), key: `filler-${i}` });
  await store.putFlag(env, flag(true));
  const app = Fastify();
  await app.register(flagsDeliveryPlugin, {
    store,
    resolveKey: (key) => (key === KEY ? { environment: env, kind: 'server' } : undefined),
  });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const clients = Array.from({ length: sdkCount }, () => new FlagsClient({ baseUrl: url, sdkKey: KEY }));
  try {
    await Promise.all(clients.map((c) => c.start()));
    await waitForStreams(store, sdkCount);
    log(`${sdkCount} SDKs connected`);
    const samples: number[] = [];
    for (let round = 0; round < changes; round++) {
      const on = round % 2 === 1;
      const started = performance.now();
      const arrived = clients.map(
        (c) =>
          new Promise<number>((resolve) => {
            const check = () => {
              if (c.boolean('rollout', {}, !on) === on) {
                c.off('changed', check);
                resolve(performance.now() - started);
              }
            };
            c.on('changed', check);
          }),
      );
      await store.putFlag(env, flag(on));
      samples.push(...(await Promise.all(arrived)));
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const summary = summarize(samples);
    log(
      `propagation over ${samples.length} deliveries: p50 ${summary.p50.toFixed(1)} ms, p99 ${summary.p99.toFixed(1)} ms`,
    );
    for (const c of clients) c.close();
    const fanOut = summarize(await rawFanOut(url, store, sdkCount, changes));
    log(`raw fan-out: p50 ${fanOut.p50.toFixed(1)} ms, p99 ${fanOut.p99.toFixed(1)} ms`);
    return [
      { name: `SSE fan-out to ${sdkCount} raw streams p50`, value: fanOut.p50, unit: 'ms', better: 'lower' },
      {
        name: `SSE fan-out to ${sdkCount} raw streams p99`,
        value: fanOut.p99,
        unit: 'ms',
        better: 'lower',
        goal: { value: 100 },
      },
      { name: `propagation to ${sdkCount} SSE SDKs p50`, value: summary.p50, unit: 'ms', better: 'lower' },
      {
        name: `propagation to ${sdkCount} SSE SDKs p99`,
        value: summary.p99,
        unit: 'ms',
        better: 'lower',
        goal: { value: 100 },
      },
    ];
  } finally {
    for (const c of clients) c.close();
    await app.close();
  }
}

/**
 * The server's share alone: plain SSE connections that only look for the new event id, so the
 * figure is write-to-every-socket time without the SDKs' parse-and-compile.
 */
async function rawFanOut(
  url: string,
  store: InMemoryFlagStore,
  count: number,
  changes: number,
): Promise<number[]> {
  const waiters = new Map<number, (id: string) => void>();
  const streams = await Promise.all(
    Array.from(
      { length: count },
      (_, i) =>
        new Promise<() => void>((resolve, reject) => {
          const req = request(
            `${url}/sdk/v1/stream`,
            { headers: { authorization: `Bearer ${KEY}` } },
            (res) => {
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                const match = /\nid: (\d+)\n/.exec(`\n${chunk}`);
                if (match) waiters.get(i)?.(match[1]!);
              });
              resolve(() => req.destroy());
            },
          );
          req.once('error', reject);
          req.end();
        }),
    ),
  );
  await waitForStreams(store, count);
  const samples: number[] = [];
  try {
    for (let round = 0; round < changes; round++) {
      const started = performance.now();
      const expected = String((await store.snapshot(env)).version + 1);
      const arrived = streams.map(
        (_, i) =>
          new Promise<number>((resolve) =>
            waiters.set(i, (id) => {
              if (id === expected) resolve(performance.now() - started);
            }),
          ),
      );
      await store.putFlag(env, flag(round % 2 === 0));
      samples.push(...(await Promise.all(arrived)));
    }
  } finally {
    for (const close of streams) close();
  }
  return samples;
}

/** The stream route subscribes to the store; count subscribers by publishing nothing. */
async function waitForStreams(store: InMemoryFlagStore, expected: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (store.subscriberCount(env) < expected) {
    if (Date.now() > deadline)
      throw new Error(`only ${store.subscriberCount(env)} of ${expected} streams attached`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
