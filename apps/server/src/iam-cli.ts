import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { type Database, openDatabase } from '@parley/db';
import { type Iam, PLATFORM_TENANT, requireTenant, seedDemo, verifyChain } from '@parley/iam';
import { parseDuration } from '@parley/kit';
import type { Command } from 'commander';
import { Redis } from 'ioredis';
import type { ServerConfig } from './config.js';
import { databaseOptions, openIamFor } from './main.js';
import { embeddedCacheUrl } from './redis.js';
import { type SalesSeedCommandOptions, seedSalesCommand } from './sales-cli.js';

const out = (line: string) => process.stdout.write(`${line}\n`);
const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Opens the database (migrated) and the IAM for one operator command, then closes them. */
async function withIam<T>(
  config: ServerConfig,
  work: (iam: Iam, database: Database) => Promise<T>,
): Promise<T> {
  const database = openDatabase(databaseOptions(config));
  // With Redis (or a running server's embedded cache), invalidations such as revoked keys and
  // role changes reach the running servers at once; otherwise within their key refresh interval.
  const redisUrl = config.REDIS_URL ?? embeddedCacheUrl(resolve(config.PARLEY_DATA_DIR));
  const redis = redisUrl ? new Redis(redisUrl, { maxRetriesPerRequest: 1 }) : undefined;
  try {
    await database.migrate();
    const iam = await openIamFor(config, database.db, redis);
    try {
      return await work(iam, database);
    } finally {
      await iam.close();
    }
  } finally {
    redis?.disconnect();
    await database.close();
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

/** `parley tenants|users|roles|apikeys|seed|iam|audit …`: operator commands for identity and audit. */
export function registerIamCommands(program: Command, loadConfig: () => ServerConfig): void {
  const tenants = program.command('tenants').description('Manage tenants');
  tenants
    .command('create <slug>')
    .description('Create a tenant with the built-in roles admin, analyst and guest')
    .option('--name <name>', 'display name')
    .action((slug: string, opts: { name?: string }) =>
      withIam(loadConfig(), async (iam) => {
        const tenant = await iam.createTenant({ slug, name: opts.name ?? slug });
        out(`tenant ${tenant.slug} created (${tenant.id})`);
      }),
    );

  tenants
    .command('limits <slug>')
    .description("Set the tenant's requests per minute per user, and per role (most generous role wins)")
    .option('--user <n>', 'per user or API key', Number)
    .option('--role <role=n...>', 'per role, e.g. --role analyst=300')
    .action((slug: string, opts: { user?: number; role?: string[] }) =>
      withIam(loadConfig(), async (iam) => {
        const tenant = await requireTenant(iam.db, slug);
        const roles = Object.fromEntries(
          (opts.role ?? []).map((pair) => {
            const [name, n] = pair.split('=');
            return [name!, Number(n)];
          }),
        );
        await iam.setTenantRateLimits(tenant.id, { userPerMinute: opts.user, roles });
        out(`rate limits of ${slug}: ${JSON.stringify({ userPerMinute: opts.user, roles })}`);
      }),
    );

  const users = program.command('users').description('Manage users of a tenant');
  users
    .command('create')
    .description(
      'Create a user; the password is read from stdin with --password-stdin, else generated and printed once',
    )
    .requiredOption('--tenant <slug>')
    .requiredOption('--email <email>')
    .option('--roles <roles>', 'comma-separated role names', 'guest')
    .option('--password-stdin', 'read the password from standard input')
    .action((opts: { tenant: string; email: string; roles: string; passwordStdin?: boolean }) =>
      withIam(loadConfig(), async (iam) => {
        const tenant = await requireTenant(iam.db, opts.tenant);
        const generated = opts.passwordStdin ? undefined : randomBytes(15).toString('base64url');
        const password = generated ?? (await readStdin());
        const user = await iam.createUser(tenant.id, {
          email: opts.email,
          password,
          roles: list(opts.roles),
        });
        out(`user ${user.email} created (${user.id}) with roles ${user.roles.join(', ') || '(none)'}`);
        if (generated) out(`password (shown once): ${generated}`);
      }),
    );
  users
    .command('list')
    .requiredOption('--tenant <slug>')
    .action((opts: { tenant: string }) =>
      withIam(loadConfig(), async (iam) => {
        const tenant = await requireTenant(iam.db, opts.tenant);
        for (const u of await iam.listUsers(tenant.id))
          out(`${u.id}  ${u.email}  ${u.status}  ${u.roles.join(',')}`);
      }),
    );
  users
    .command('disable')
    .description('Disable a user and end all of their sessions')
    .requiredOption('--tenant <slug>')
    .requiredOption('--email <email>')
    .action((opts: { tenant: string; email: string }) =>
      withIam(loadConfig(), async (iam) => {
        const tenant = await requireTenant(iam.db, opts.tenant);
        const user = (await iam.listUsers(tenant.id)).find((u) => u.email === opts.email.toLowerCase());
        if (!user) throw new Error(`no user ${opts.email} in ${opts.tenant}`);
        await iam.disableUser(tenant.id, user.id);
        out(`user ${user.email} disabled; sessions revoked`);
      }),
    );

  const roles = program.command('roles').description('Manage roles of a tenant');
  roles
    .command('list')
    .requiredOption('--tenant <slug>')
    .action((opts: { tenant: string }) =>
      withIam(loadConfig(), async (iam) => {
        const tenant = await requireTenant(iam.db, opts.tenant);
        for (const r of await iam.listRoles(tenant.id))
          out(`${r.name}${r.builtin ? ' (built-in)' : ''}: ${r.permissions.join(', ')}`);
      }),
    );
  roles
    .command('create <name>')
    .requiredOption('--tenant <slug>')
    .requiredOption('--permissions <permissions>', 'comma-separated resource:action list')
    .action((name: string, opts: { tenant: string; permissions: string }) =>
      withIam(loadConfig(), async (iam) => {
        const tenant = await requireTenant(iam.db, opts.tenant);
        const role = await iam.createRole(tenant.id, { name, permissions: list(opts.permissions) });
        out(`role ${role.name} created: ${role.permissions.join(', ')}`);
      }),
    );
  roles
    .command('assign')
    .description("Replace a user's roles")
    .requiredOption('--tenant <slug>')
    .requiredOption('--email <email>')
    .requiredOption('--roles <roles>')
    .action((opts: { tenant: string; email: string; roles: string }) =>
      withIam(loadConfig(), async (iam) => {
        const tenant = await requireTenant(iam.db, opts.tenant);
        const user = (await iam.listUsers(tenant.id)).find((u) => u.email === opts.email.toLowerCase());
        if (!user) throw new Error(`no user ${opts.email} in ${opts.tenant}`);
        const updated = await iam.setUserRoles(tenant.id, user.id, list(opts.roles));
        out(`user ${updated.email} now has roles ${updated.roles.join(', ')}`);
      }),
    );

  const apikeys = program.command('apikeys').description('Manage API keys of service accounts');
  apikeys
    .command('create')
    .requiredOption('--tenant <slug>')
    .requiredOption('--service-account <name>')
    .requiredOption('--roles <roles>')
    .option('--expires-in <duration>', 'e.g. 90d')
    .action((opts: { tenant: string; serviceAccount: string; roles: string; expiresIn?: string }) =>
      withIam(loadConfig(), async (iam) => {
        const tenant = await requireTenant(iam.db, opts.tenant);
        const ttl = opts.expiresIn === undefined ? undefined : parseDuration(opts.expiresIn);
        if (opts.expiresIn !== undefined && ttl === undefined)
          throw new Error('--expires-in must be like 90d or 12h');
        const { key, view } = await iam.createApiKey(tenant.id, {
          serviceAccount: opts.serviceAccount,
          roles: list(opts.roles),
          expiresAt: ttl === undefined ? undefined : new Date(Date.now() + ttl),
        });
        out(`API key ${view.id} for ${view.serviceAccount} (${view.roles.join(', ')})`);
        out(`key (shown once): ${key}`);
      }),
    );
  apikeys
    .command('list')
    .requiredOption('--tenant <slug>')
    .action((opts: { tenant: string }) =>
      withIam(loadConfig(), async (iam) => {
        const tenant = await requireTenant(iam.db, opts.tenant);
        for (const k of await iam.listApiKeys(tenant.id))
          out(
            `${k.id}  ${k.prefix}  ${k.serviceAccount}  ${k.roles.join(',')}  ${k.revokedAt ? 'revoked' : 'active'}`,
          );
      }),
    );
  apikeys
    .command('revoke <id>')
    .requiredOption('--tenant <slug>')
    .action((id: string, opts: { tenant: string }) =>
      withIam(loadConfig(), async (iam) => {
        const tenant = await requireTenant(iam.db, opts.tenant);
        await iam.revokeApiKey(tenant.id, id);
        out(`API key ${id} revoked`);
      }),
    );

  program
    .command('seed')
    .description(
      'Seed data; --demo: tenants acme and globex with admin@, analyst@, guest@<tenant>.test; --sales: a generated sales warehouse',
    )
    .option('--demo', 'create the demo tenants and users')
    .option('--sales', "replace a tenant's sales warehouse with generated order lines")
    .option('--rows <n>', 'order lines to generate with --sales', '100000')
    .option('--tenant <slug>', 'the tenant to seed with --sales', 'acme')
    .action((opts: { demo?: boolean } & SalesSeedCommandOptions & { sales?: boolean }) => {
      if (opts.sales) return seedSalesCommand(loadConfig(), opts);
      if (!opts.demo) throw new Error('say what to seed: --demo or --sales');
      return withIam(loadConfig(), async (iam) => {
        const config = loadConfig();
        const seed = await seedDemo(iam, config.PARLEY_DEMO_PASSWORD);
        if (!seed.created) {
          out('demo tenants exist already; nothing changed');
          return;
        }
        out(`created ${seed.users.join(', ')}`);
        if (seed.generatedPassword) out(`password (shown once): ${seed.generatedPassword}`);
      });
    });

  const iamCommand = program.command('iam').description('Identity and access operations');
  iamCommand
    .command('rotate-keys')
    .description('New signing key; --revoke-old: reject every token of older keys at once and force re-login')
    .option('--revoke-old', 'revoke the previous keys instead of retiring them')
    .action((opts: { revokeOld?: boolean }) =>
      withIam(loadConfig(), async (iam) => {
        const result = await iam.rotateKeys(opts.revokeOld === true);
        out(`new signing key ${result.kid}`);
        if (result.revoked.length > 0)
          out(`revoked ${result.revoked.join(', ')}; ${result.refreshRevoked} refresh tokens revoked`);
        if (result.retired.length > 0)
          out(`retired ${result.retired.join(', ')} (valid until their tokens expire)`);
      }),
    );

  program
    .command('audit')
    .description('Audit log operations')
    .command('verify')
    .description('Check the hash chains; names the first broken record')
    .option('--tenant <slug>', 'only this tenant (default: every tenant and the platform chain)')
    .action((opts: { tenant?: string }) =>
      withIam(loadConfig(), async (iam) => {
        const ids = opts.tenant
          ? [(await requireTenant(iam.db, opts.tenant)).id]
          : [PLATFORM_TENANT, ...(await iam.tenantIds())];
        let broken = false;
        for (const id of ids) {
          const report = await verifyChain(iam.db, id);
          if (report.ok) out(`ok      ${id}  ${report.records} records`);
          else {
            broken = true;
            out(
              `BROKEN  ${id}  record ${report.broken!.id} (seq ${report.broken!.seq}): ${report.broken!.reason}`,
            );
          }
        }
        if (broken) process.exitCode = 3;
      }),
    );
}
