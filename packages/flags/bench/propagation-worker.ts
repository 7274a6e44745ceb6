import { request } from 'node:http';
import { parentPort, workerData } from 'node:worker_threads';
import { FlagsClient } from '../src/sdk/index.js';

/**
 * The SDK side of the propagation benchmark, on its own thread so SDKs and the node do not share
 * an event loop. Reports absolute arrival times (timeOrigin + now), comparable across threads.
 */
interface Setup {
  url: string;
  key: string;
  count: number;
  mode: 'sdk' | 'raw';
}

const { url, key, count, mode } = workerData as Setup;
const clock = () => performance.timeOrigin + performance.now();
const port = parentPort!;

type Waiter = { expect: (on: boolean, version: number) => Promise<number> };

async function sdkWaiters(): Promise<{ waiters: Waiter[]; close: () => void }> {
  const clients = Array.from({ length: count }, () => new FlagsClient({ baseUrl: url, sdkKey: key }));
  await Promise.all(clients.map((c) => c.start()));
  const waiters = clients.map((c) => ({
    expect: (on: boolean) =>
      new Promise<number>((resolve) => {
        const check = () => {
          if (c.boolean('rollout', {}, !on) !== on) return;
          c.off('changed', check);
          resolve(clock());
        };
        c.on('changed', check);
      }),
  }));
  return {
    waiters,
    close: () => {
      for (const c of clients) c.close();
    },
  };
}

async function rawWaiters(): Promise<{ waiters: Waiter[]; close: () => void }> {
  const streams = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<{ waiter: Waiter; close: () => void }>((resolve, reject) => {
          let pending: { version: number; resolve: (t: number) => void } | undefined;
          const req = request(
            `${url}/sdk/v1/stream`,
            { headers: { authorization: `Bearer ${key}` } },
            (res) => {
              res.setEncoding('utf8');
              res.on('data', (chunk: string) => {
                const id = /(?:^|\n)id: (\d+)\n/.exec(chunk)?.[1];
                if (pending && id === String(pending.version)) pending.resolve(clock());
              });
              const waiter: Waiter = {
                expect: (_on, version) => new Promise((done) => (pending = { version, resolve: done })),
              };
              resolve({ waiter, close: () => req.destroy() });
            },
          );
          req.once('error', reject);
          req.end();
        }),
    ),
  );
  return {
    waiters: streams.map((s) => s.waiter),
    close: () => {
      for (const s of streams) s.close();
    },
  };
}

const { waiters, close } = await (mode === 'sdk' ? sdkWaiters() : rawWaiters());
port.postMessage({ type: 'connected' });
port.on('message', async (message: { type: 'arm'; on: boolean; version: number } | { type: 'close' }) => {
  if (message.type === 'close') {
    close();
    port.close();
    return;
  }
  const arrivals = waiters.map((w) => w.expect(message.on, message.version));
  port.postMessage({ type: 'armed' });
  port.postMessage({ type: 'arrived', times: await Promise.all(arrivals) });
});
