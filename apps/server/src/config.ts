import { conversationConfigSpec, llmConfigSpec, reportsConfigSpec, salesConfigSpec } from '@parley/assistant';
import { flagsConfigSpec } from '@parley/flags';
import { iamConfigSpec } from '@parley/iam';
import { type ConfigOf, env, loadConfig } from '@parley/kit';
import { alertingConfigSpec, metricsConfigSpec } from '@parley/metrics';
import { suggestConfigSpec } from '@parley/suggest';
import { MODULE_NAMES } from './modules/index.js';
import { platformFlagsConfigSpec } from './platform-flags.js';

/** Every environment variable the server reads. The README's configuration table is generated from this. */
export const serverConfigSpec = {
  NODE_ENV: env.oneOf(['development', 'production', 'test'], {
    default: 'development',
    description: 'Runtime mode; production disables demo seeding and development conveniences',
  }),
  HOST: env.string({ default: '127.0.0.1', description: 'Interface the HTTP server listens on' }),
  PORT: env.port({ default: 8080, description: 'HTTP port (0 picks a free one)' }),
  PARLEY_DATA_DIR: env.string({
    default: './.parley',
    description:
      'Directory for embedded data: the PGlite database, the embedded cache and the files of each module',
  }),
  DATABASE_URL: env.url({
    protocols: ['postgres:', 'postgresql:'],
    description: 'PostgreSQL server to use instead of the embedded PGlite database',
    secret: true,
  }),
  DATABASE_POOL_MAX: env.integer({
    default: 10,
    min: 1,
    max: 200,
    description: 'PostgreSQL connection pool size',
  }),
  PARLEY_MIGRATE_ON_START: env.boolean({
    default: true,
    description: 'Apply pending migrations on `parley start`',
  }),
  REDIS_URL: env.url({
    protocols: ['redis:', 'rediss:'],
    description:
      'Redis/Valkey server for queues, rate limits and caches; unset, the embedded Parley cache server runs in-process',
    secret: true,
  }),
  LOG_LEVEL: env.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
    default: 'info',
    description: 'Minimum level of log lines (JSON on stdout)',
  }),
  BODY_LIMIT: env.integer({
    default: 1_048_576,
    min: 1024,
    max: 104_857_600,
    description: 'Largest accepted request body in bytes; larger bodies get 413',
  }),
  PARLEY_MODULES: env.listOf(MODULE_NAMES, {
    default: MODULE_NAMES,
    description: 'Feature modules this process serves (identity and access always run)',
  }),
  SHUTDOWN_TIMEOUT: env.duration({
    default: 10_000,
    description: 'How long a graceful shutdown may drain in-flight requests before the process exits',
  }),
  ...iamConfigSpec,
  ...salesConfigSpec,
  ...conversationConfigSpec,
  ...llmConfigSpec,
  ...reportsConfigSpec,
  ...flagsConfigSpec,
  ...platformFlagsConfigSpec,
  ...metricsConfigSpec,
  ...alertingConfigSpec,
  ...suggestConfigSpec,
};

export type ServerConfig = ConfigOf<typeof serverConfigSpec>;

export function loadServerConfig(source: Record<string, string | undefined> = process.env): ServerConfig {
  return loadConfig(serverConfigSpec, source);
}
