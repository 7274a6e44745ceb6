import { join, resolve } from 'node:path';
import { type Database, openDatabase } from '@parley/db';
import { type Iam, openIam, seedDemo } from '@parley/iam';
import { createLogger, type Logger, systemClock } from '@parley/kit';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { buildApp } from './app.js';
import type { ServerConfig } from './config.js';
import type { ReadinessCheck } from './http/health.js';
import { closeModules, openModules } from './modules/index.js';
import { PlatformFlags } from './platform-flags.js';
import { openRedis } from './redis.js';

export interface RunningServer {
  app: FastifyInstance;
  url: string;
  /** Graceful stop: refuse new work, drain in-flight requests, close pools. */
  stop(): Promise<void>;
}

export function databaseOptions(config: ServerConfig) {
  return config.DATABASE_URL
    ? { url: config.DATABASE_URL, poolMax: config.DATABASE_POOL_MAX }
    : { dataDir: join(resolve(config.PARLEY_DATA_DIR), 'pg') };
}

/** The IAM as the server configures it; the server and the operator commands share it. */
export function openIamFor(config: ServerConfig, db: Database['db'], redis: Redis | undefined): Promise<Iam> {
  return openIam({
    db,
    config,
    production: config.NODE_ENV === 'production',
    dataDir: resolve(config.PARLEY_DATA_DIR),
    redis,
  });
}

/** Opens the platform's stores, builds the HTTP app and listens. */
export async function startServer(
  config: ServerConfig,
  logger: Logger = createLogger({ level: config.LOG_LEVEL }),
): Promise<RunningServer> {
  const database = openDatabase(databaseOptions(config));
  logger.info(
    { database: database.kind },
    database.kind === 'postgres' ? 'using PostgreSQL from DATABASE_URL' : 'using embedded PGlite',
  );
  if (config.PARLEY_MIGRATE_ON_START) {
    await database.migrate();
    logger.info('migrations applied');
  }
  const dataDir = resolve(config.PARLEY_DATA_DIR);
  const connection = await openRedis(config.REDIS_URL, dataDir, logger);
  const { redis } = connection;
  const readiness: ReadinessCheck[] = [
    { name: 'database', check: () => database.ping() },
    { name: 'redis', check: async () => void (await redis.ping()) },
  ];

  const iam = await openIamFor(config, database.db, redis);
  if (config.NODE_ENV === 'development') await seedDemoOnFirstStart(iam, config, logger);
  const platformFlags = new PlatformFlags(config, logger);
  const metricsRegistry = new Registry();
  const modules = await openModules(config.PARLEY_MODULES, {
    config,
    logger,
    database,
    redis,
    iam,
    dataDir,
    clock: systemClock,
    platformFlags,
    metricsRegistry,
  });
  logger.info({ modules: modules.map((m) => m.name) }, 'modules open');

  const app = await buildApp({
    logger,
    bodyLimit: config.BODY_LIMIT,
    readiness: [...readiness, ...modules.flatMap((m) => m.readiness ?? [])],
    modules: modules.map((m) => m.plugin),
    iam,
    metricsRegistry,
  });
  const url = await app.listen({ host: config.HOST, port: config.PORT });
  platformFlags.connect(url);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      await app.close();
      await platformFlags.close();
      await closeModules(modules);
      await iam.close();
      await connection.close();
      await database.close();
    })();
    return stopping;
  };
  return { app, url, stop };
}

/** Development only: the demo tenants on first start, so `npm start` gives something to sign in to. */
async function seedDemoOnFirstStart(iam: Iam, config: ServerConfig, logger: Logger): Promise<void> {
  const seed = await seedDemo(iam, config.PARLEY_DEMO_PASSWORD);
  if (!seed.created) return;
  logger.info({ users: seed.users }, 'seeded demo tenants acme and globex');
  // Printed once on the terminal, never logged: log lines are shipped and kept.
  if (seed.generatedPassword)
    process.stderr.write(`\nDemo users' password (shown once): ${seed.generatedPassword}\n\n`);
}

/** SIGTERM/SIGINT → graceful stop, bounded by SHUTDOWN_TIMEOUT; a second signal exits at once. */
export function stopOnSignals(server: RunningServer, logger: Logger, timeoutMs: number): void {
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) process.exit(1);
    signalled = true;
    logger.info({ signal }, 'shutting down: draining in-flight requests');
    const deadline = setTimeout(() => {
      logger.error({ timeoutMs }, 'shutdown timed out; exiting');
      process.exit(1);
    }, timeoutMs);
    deadline.unref();
    server.stop().then(
      () => {
        logger.info('shutdown complete');
        process.exit(0);
      },
      (error) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
