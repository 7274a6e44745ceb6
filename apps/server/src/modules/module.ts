import type { Database } from '@parley/db';
import type { Iam } from '@parley/iam';
import type { Clock, Logger } from '@parley/kit';
import type { FastifyPluginAsync } from 'fastify';
import type { Redis } from 'ioredis';
import type { Registry } from 'prom-client';
import type { ServerConfig } from '../config.js';
import type { ReadinessCheck } from '../http/health.js';
import type { PlatformFlags } from '../platform-flags.js';

/** What the composition root hands every module: the platform's shared stores and services. */
export interface ModuleContext {
  config: ServerConfig;
  logger: Logger;
  database: Database;
  /** Connected: the server at REDIS_URL, or the embedded Parley cache server. */
  redis: Redis;
  iam: Iam;
  /** Absolute PARLEY_DATA_DIR; each module keeps its files in a folder of its own below it. */
  dataDir: string;
  clock: Clock;
  /** Parley's own feature flags (read through OpenFeature once the server listens). */
  platformFlags: PlatformFlags;
  /** The server's Prometheus registry (served at /metrics): modules register their own series in it. */
  metricsRegistry: Registry;
}

/** A feature package as the server runs it: its routes, its readiness, and how to stop it. */
export interface ServerModule {
  name: string;
  /** Registered after the IAM access control, so every route is authenticated, authorized and audited. */
  plugin: FastifyPluginAsync;
  readiness?: ReadinessCheck[];
  /** Stops background work and closes what the module opened (the context's stores stay open). */
  close(): Promise<void>;
}

export type ModuleFactory = (context: ModuleContext) => Promise<ServerModule>;
