#!/usr/bin/env node
import { runCacheServerCli } from '@parley/cache';
import { openDatabase } from '@parley/db';
import { ConfigError, createLogger } from '@parley/kit';
import { Command } from 'commander';
import { loadServerConfig, type ServerConfig } from './config.js';
import { registerIamCommands } from './iam-cli.js';
import { databaseOptions, startServer, stopOnSignals } from './main.js';
import { VERSION } from './version.js';

function configOrExit(): ServerConfig {
  try {
    return loadServerConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      for (const problem of error.problems)
        process.stderr.write(`parley: invalid configuration: ${problem}\n`);
      process.exit(2);
    }
    throw error;
  }
}

const program = new Command('parley').version(VERSION).description('Parley: secure AI assistant platform');

program
  .command('start')
  .description('Run the Parley server (migrates the database first unless PARLEY_MIGRATE_ON_START=false)')
  .action(async () => {
    const config = configOrExit();
    const logger = createLogger({ level: config.LOG_LEVEL, name: 'parley' });
    const server = await startServer(config, logger);
    stopOnSignals(server, logger, config.SHUTDOWN_TIMEOUT);
    logger.info({ url: server.url }, 'parley is ready');
  });

program
  .command('migrate')
  .description('Apply pending database migrations and exit')
  .action(async () => {
    const config = configOrExit();
    const database = openDatabase(databaseOptions(config));
    await database.migrate();
    await database.close();
    process.stdout.write(`migrations applied (${database.kind})\n`);
  });

program
  .command('cache-server')
  .description(
    'Run Parley cache, the Redis-compatible server: cache-server [redis.conf] [--port 6379] [--bind 127.0.0.1] [--requirepass …] [--appendonly yes] [--maxmemory 1gb] …',
  )
  .allowUnknownOption()
  .helpOption(false)
  .argument('[arguments...]', 'a redis.conf path, then --parameter value pairs as redis-server takes them')
  .action(async () => {
    // redis-server's own argument grammar (values may hold several words), so the raw argv.
    await runCacheServerCli(process.argv.slice(process.argv.indexOf('cache-server') + 1));
  });

registerIamCommands(program, configOrExit);

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`parley: ${(error as Error).message}\n`);
  process.exit(1);
});
