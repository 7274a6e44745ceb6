import type { Db } from '@parley/db';
import type { ConfigOf } from '@parley/kit';
import type { Redis } from 'ioredis';
import type { iamConfigSpec } from './config.js';
import { MasterKey } from './crypto/master-key.js';
import { Iam } from './iam.js';
import { MemoryState } from './shared/memory.js';
import { RedisState } from './shared/redis.js';

export type IamConfig = ConfigOf<typeof iamConfigSpec>;

export interface OpenIamOptions {
  db: Db;
  config: IamConfig;
  production: boolean;
  dataDir: string;
  /** Connected Redis client; without one the IAM keeps its shared state in this process only. */
  redis?: Redis;
}

/** The IAM as the server runs it, from configuration. */
export async function openIam(options: OpenIamOptions): Promise<Iam> {
  const { config } = options;
  let masterKey: MasterKey;
  if (config.PARLEY_MASTER_KEY) masterKey = MasterKey.parse(config.PARLEY_MASTER_KEY);
  else if (options.production) throw new Error('PARLEY_MASTER_KEY is required when NODE_ENV=production');
  else masterKey = MasterKey.fromDataDir(options.dataDir);
  const state = options.redis
    ? new RedisState(options.redis, { prefix: config.PARLEY_REDIS_PREFIX })
    : new MemoryState();
  return Iam.open({
    db: options.db,
    state,
    masterKey,
    issuer: config.PARLEY_JWT_ISSUER,
    audience: config.PARLEY_JWT_AUDIENCE,
    accessTtlMs: config.PARLEY_ACCESS_TOKEN_TTL,
    refreshTtlMs: config.PARLEY_REFRESH_TOKEN_TTL,
    rateLimits: {
      userPerMinute: config.PARLEY_RATE_LIMIT_USER,
      anonymousPerMinute: config.PARLEY_RATE_LIMIT_ANONYMOUS,
      authPerMinute: config.PARLEY_RATE_LIMIT_AUTH,
    },
    throttle: {
      accountFailures: config.PARLEY_LOGIN_LOCKOUT_THRESHOLD,
      ipFailures: config.PARLEY_LOGIN_LOCKOUT_THRESHOLD * 10,
      windowMs: config.PARLEY_LOGIN_LOCKOUT_WINDOW,
    },
  });
}
