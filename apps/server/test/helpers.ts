import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { createLogger } from '@parley/kit';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { buildApp } from '../src/app.js';

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  close(): Promise<void>;
}

/** The real app on a fresh test database (PGlite, or PostgreSQL when DATABASE_URL is set). */
export async function createTestApp(
  modules: FastifyPluginAsync[] = [],
  bodyLimit = 1_048_576,
): Promise<TestApp> {
  const database = await createTestDatabase();
  const app = await buildApp({
    logger: createLogger({ level: 'silent' }),
    bodyLimit,
    readiness: [{ name: 'database', check: () => database.ping() }],
    modules,
  });
  await app.ready();
  return {
    app,
    database,
    async close() {
      await app.close();
      await database.close();
    },
  };
}
