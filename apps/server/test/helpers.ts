import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { type Iam, openIam } from '@parley/iam';
import { createLogger } from '@parley/kit';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { buildApp } from '../src/app.js';
import { loadServerConfig } from '../src/config.js';

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  close(): Promise<void>;
}

export interface TestAppWithIam extends TestApp {
  iam: Iam;
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

/**
 * The real app with the IAM pipeline, configured through the server's own config loader
 * (in-process shared state, a random master key); `env` overrides variables such as limits.
 */
export async function createTestAppWithIam(
  modules: FastifyPluginAsync[] = [],
  env: Record<string, string> = {},
): Promise<TestAppWithIam> {
  const database = await createTestDatabase();
  const config = loadServerConfig({
    NODE_ENV: 'test',
    PARLEY_MASTER_KEY: randomBytes(32).toString('base64'),
    PARLEY_RATE_LIMIT_USER: '100000',
    PARLEY_RATE_LIMIT_ANONYMOUS: '100000',
    PARLEY_RATE_LIMIT_AUTH: '100000',
    ...env,
  });
  const iam = await openIam({ db: database.db, config, production: false, dataDir: tmpdir() });
  const app = await buildApp({
    logger: createLogger({ level: 'silent' }),
    bodyLimit: 1_048_576,
    readiness: [{ name: 'database', check: () => database.ping() }],
    modules,
    iam,
  });
  await app.ready();
  return {
    app,
    database,
    iam,
    async close() {
      await app.close();
      await iam.close();
      await database.close();
    },
  };
}
