import { env } from '@parley/kit';

/** The IAM's environment variables; the server merges them into its own spec. */
export const iamConfigSpec = {
  PARLEY_MASTER_KEY: env.string({
    description:
      'Master key (32 bytes, base64) that encrypts signing keys at rest; required in production, generated into PARLEY_DATA_DIR/master.key (mode 0600) in development',
    secret: true,
  }),
  PARLEY_JWT_ISSUER: env.string({ default: 'parley', description: 'Access-token `iss` claim' }),
  PARLEY_JWT_AUDIENCE: env.string({ default: 'parley-api', description: 'Access-token `aud` claim' }),
  PARLEY_ACCESS_TOKEN_TTL: env.duration({ default: 900_000, description: 'Access-token lifetime' }),
  PARLEY_REFRESH_TOKEN_TTL: env.duration({ default: 604_800_000, description: 'Refresh-token lifetime' }),
  PARLEY_RATE_LIMIT_USER: env.integer({
    default: 100,
    min: 1,
    max: 1_000_000,
    description: 'Requests per minute per authenticated user or API key',
  }),
  PARLEY_RATE_LIMIT_ANONYMOUS: env.integer({
    default: 60,
    min: 1,
    max: 1_000_000,
    description: 'Requests per minute per IP address without credentials',
  }),
  PARLEY_RATE_LIMIT_AUTH: env.integer({
    default: 10,
    min: 1,
    max: 1_000_000,
    description: 'Login and refresh calls per minute per IP address',
  }),
  PARLEY_LOGIN_LOCKOUT_THRESHOLD: env.integer({
    default: 5,
    min: 1,
    max: 1000,
    description: 'Failed logins per account within the lockout window before the account is locked',
  }),
  PARLEY_LOGIN_LOCKOUT_WINDOW: env.duration({
    default: 900_000,
    description: 'Window of failed logins counted for lockout, and the lockout length',
  }),
  PARLEY_DEMO_PASSWORD: env.string({
    description:
      'Password of the demo users `parley seed --demo` creates; generated and printed once when unset',
    secret: true,
  }),
  PARLEY_REDIS_PREFIX: env.string({
    default: 'parley:',
    description: 'Prefix of every Redis key and channel the IAM uses',
  }),
};
