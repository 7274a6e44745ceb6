import { request } from 'node:http';
import { summarize } from '@parley/kit/bench';
import Fastify from 'fastify';
import { suggestPlugin } from '../src/api/plugin.js';
import type { TypedQuery } from '../src/corpus/queries.js';
import type { SuggestService } from '../src/service.js';
import type { Engine } from './peers.js';

/**
 * Serves Parley's plugin and, beside it, a route answering from a peer engine, on one Fastify
 * server on an ephemeral port; then times `total` GETs to each with `concurrency` in flight over
 * keep-alive connections. Returns per-request latency in µs.
 */
export async function httpLatency(
  service: SuggestService,
  tenantId: string,
  peer: Engine,
  queries: readonly TypedQuery[],
  total: number,
  concurrency = 4,
): Promise<{ parley: { p50: number; p99: number }; peer: { p50: number; p99: number } }> {
  const app = Fastify();
  await app.register(suggestPlugin, { service, resolveTenant: () => tenantId });
  app.get<{ Querystring: { q: string } }>('/peer', { config: { public: true } }, async (req) => ({
    suggestions: peer.search(req.query.q, 10).map((text) => ({ text })),
  }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const { Agent } = await import('node:http');
  const agent = new Agent({ keepAlive: true, maxSockets: concurrency });
  const get = (path: string) =>
    new Promise<void>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path, agent }, (res) => {
        res.resume();
        res.on('end', () =>
          res.statusCode === 200 ? resolve() : reject(new Error(`${path}: ${res.statusCode}`)),
        );
      });
      req.on('error', reject);
      req.end();
    });
  const run = async (route: (q: string) => string) => {
    const samples: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const q = queries[next++ % queries.length]!.typed;
        const start = process.hrtime.bigint();
        await get(route(encodeURIComponent(q)));
        samples.push(Number(process.hrtime.bigint() - start) / 1000);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    const { p50, p99 } = summarize(samples);
    return { p50, p99 };
  };
  try {
    // Warm both routes, then measure.
    await run((q) => `/v1/suggest?q=${q}`);
    const parley = await run((q) => `/v1/suggest?q=${q}`);
    await run((q) => `/peer?q=${q}`);
    const peerLatency = await run((q) => `/peer?q=${q}`);
    return { parley, peer: peerLatency };
  } finally {
    agent.destroy();
    await app.close();
  }
}
