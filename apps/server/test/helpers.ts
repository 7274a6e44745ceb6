import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import { type Iam, openIam } from '@parley/iam';
import { createLogger, systemClock } from '@parley/kit';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Registry } from 'prom-client';
import { buildApp } from '../src/app.js';
import { loadServerConfig } from '../src/config.js';
import { closeModules, type ModuleContext, type ModuleName, openModules } from '../src/modules/index.js';
import { PlatformFlags } from '../src/platform-flags.js';
import { openRedis } from '../src/redis.js';

export interface TestApp {
  app: FastifyInstance;
  database: TestDatabase;
  close(): Promise<void>;
}

export interface TestAppWithIam extends TestApp {
  iam: Iam;
  platformFlags: PlatformFlags;
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

export interface TestAppWithIamOptions {
  /** Feature modules to open, as the server opens them (default none). */
  modules?: readonly ModuleName[];
  /** Environment overrides, such as limits. */
  env?: Record<string, string>;
}

/** The stores a server process shares with its modules, as `parley start` opens them. */
export interface TestPlatform {
  database: TestDatabase;
  iam: Iam;
  /** What the server hands each module. */
  context: ModuleContext;
  close(): Promise<void>;
}

/**
 * A fresh database and data directory, the server's own config loader (a random master key, a
 * Redis prefix of its own), Redis at REDIS_URL or else an embedded Parley cache server, and the IAM.
 */
export async function createTestPlatform(env: Record<string, string> = {}): Promise<TestPlatform> {
  const database = await createTestDatabase();
  const dataDir = await mkdtemp(join(tmpdir(), 'parley-test-'));
  const config = loadServerConfig({
    NODE_ENV: 'test',
    PARLEY_DATA_DIR: dataDir,
    PARLEY_MASTER_KEY: randomBytes(32).toString('base64'),
    PARLEY_RATE_LIMIT_USER: '100000',
    PARLEY_RATE_LIMIT_ANONYMOUS: '100000',
    PARLEY_RATE_LIMIT_AUTH: '100000',
    // Test files share one Redis: each app its own keys, channels and queues.
    PARLEY_REDIS_PREFIX: `test:${randomBytes(6).toString('hex')}:`,
    ...env,
  });
  const logger = createLogger({ level: 'silent' });
  const connection = await openRedis(process.env.REDIS_URL, dataDir, logger);
  const { redis } = connection;
  const iam = await openIam({ db: database.db, config, production: false, dataDir, redis });
  const platformFlags = new PlatformFlags(config, logger);
  const context: ModuleContext = {
    config,
    logger,
    database,
    redis,
    iam,
    dataDir,
    clock: systemClock,
    platformFlags,
    metricsRegistry: new Registry(),
  };
  return {
    database,
    iam,
    context,
    async close() {
      await platformFlags.close();
      await iam.close();
      await connection.close();
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** The real app with the IAM pipeline and the chosen modules on a fresh test platform. */
export async function createTestAppWithIam(options: TestAppWithIamOptions = {}): Promise<TestAppWithIam> {
  const platform = await createTestPlatform(options.env);
  const { context, database, iam } = platform;
  const modules = await openModules(options.modules ?? [], context);
  const app = await buildApp({
    logger: context.logger,
    bodyLimit: 1_048_576,
    readiness: [{ name: 'database', check: () => database.ping() }],
    modules: modules.map((m) => m.plugin),
    iam,
    metricsRegistry: context.metricsRegistry,
  });
  await app.ready();
  return {
    app,
    database,
    iam,
    platformFlags: context.platformFlags,
    async close() {
      await app.close();
      await closeModules(modules);
      await platform.close();
    },
  };
}

/** Signs a user in through `POST /v1/auth/login` and returns their access token (throws on failure). */
export async function accessTokenFor(
  app: FastifyInstance,
  tenant: string,
  email: string,
  password: string,
): Promise<string> {
  const res = await app.inject({
    method: 'POST',
    url: '/v1/auth/login',
    payload: { tenant, email, password },
  });
  if (res.statusCode !== 200)
    throw new Error(`login of ${email} in ${tenant} failed: ${res.statusCode} ${res.body}`);
  return res.json().accessToken as string;
}
