/**
 * Server overhead: Parley's HTTP stack and a tenant-scoped database transaction, each against a
 * bare Fastify route in the same run.
 */
import { openDatabase, tenantSettings, tenants, withTenant } from '@parley/db';
import { createLogger, newId } from '@parley/kit';
import { type BenchRow, type BenchSuite, httpLoad } from '@parley/kit/bench';
import Fastify from 'fastify';
import { buildApp } from '../src/app.js';

const suite: BenchSuite = {
  name: 'server: HTTP stack over autocannon (50 connections)',
  async run({ quick, log }) {
    const durationSeconds = quick ? 4 : 15;
    const database = openDatabase(process.env.DATABASE_URL ? { url: process.env.DATABASE_URL } : {});
    await database.migrate();
    const tenantId = newId();
    await database.db.insert(tenants).values({ id: tenantId, slug: `bench-${tenantId}`, name: 'Bench' });
    await withTenant(database.db, tenantId, (tx) =>
      tx.insert(tenantSettings).values({ tenantId, key: 'currency', value: 'USD' }),
    );

    const bare = Fastify();
    bare.get('/bare', async () => ({ ok: true }));
    const bareUrl = await bare.listen({ host: '127.0.0.1', port: 0 });

    const app = await buildApp({
      logger: createLogger({ level: 'warn' }),
      bodyLimit: 1024 * 1024,
      readiness: [{ name: 'database', check: () => database.ping() }],
      modules: [
        async (scope) => {
          scope.get('/bench/tenant-settings', { config: { public: true } }, async () =>
            withTenant(database.db, tenantId, (tx) => tx.select().from(tenantSettings)),
          );
        },
      ],
    });
    const appUrl = await app.listen({ host: '127.0.0.1', port: 0 });

    try {
      log(`bare route (${durationSeconds}s)`);
      const base = await httpLoad({ url: `${bareUrl}/bare`, durationSeconds });
      log('/health/live (Parley hooks, no I/O)');
      const live = await httpLoad({ url: `${appUrl}/health/live`, durationSeconds });
      log('/health/ready');
      const ready = await httpLoad({ url: `${appUrl}/health/ready`, durationSeconds });
      log(`tenant-scoped transaction on ${database.kind}`);
      const tx = await httpLoad({ url: `${appUrl}/bench/tenant-settings`, durationSeconds });
      for (const [name, r] of [
        ['ready', ready],
        ['tenant', tx],
      ] as const) {
        if (r.errors || r.non2xx) log(`${name}: ${r.errors} errors, ${r.non2xx} non-2xx responses`);
      }
      const rows = (label: string, r: typeof base): BenchRow[] => [
        {
          name: `${label} req/s`,
          value: r.requestsPerSecond,
          unit: 'req/s',
          better: 'higher',
          peer: { name: 'bare fastify', value: base.requestsPerSecond },
        },
        {
          name: `${label} p50`,
          value: r.p50,
          unit: 'ms',
          better: 'lower',
          peer: { name: 'bare fastify', value: base.p50 },
        },
        {
          name: `${label} p97.5`,
          value: r.p97_5,
          unit: 'ms',
          better: 'lower',
          peer: { name: 'bare fastify', value: base.p97_5 },
        },
        {
          name: `${label} p99`,
          value: r.p99,
          unit: 'ms',
          better: 'lower',
          peer: { name: 'bare fastify', value: base.p99 },
        },
      ];
      return [
        { name: 'bare fastify req/s', value: base.requestsPerSecond, unit: 'req/s', better: 'higher' },
        ...rows('/health/live', live),
        ...rows('/health/ready', ready),
        ...rows(`tenant tx (${database.kind})`, tx),
      ];
    } finally {
      await app.close();
      await bare.close();
      await database.close();
    }
  },
};

export default suite;
