#!/usr/bin/env node
import { runCacheServerCli } from '@parley/cache';
import { openDatabase } from '@parley/db';
import { ConfigError, createLogger } from '@parley/kit';
import { Command } from 'commander';
import { loadServerConfig, type ServerConfig } from './config.js';
import { registerIamCommands } from './iam-cli.js';
import { databaseOptions, startServer, stopOnSignals } from './main.js';
import { VERSION } from './version.js';
import { startWorker, WORKER_QUEUES, type WorkerQueue } from './worker.js';

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

program
  .command('worker')
  .description('Run queue workers only (no HTTP): the slow path scaled apart from the servers')
  .option(
    '--queues <names>',
    `comma-separated queues to work: ${WORKER_QUEUES.join(', ')}`,
    WORKER_QUEUES.join(','),
  )
  .action(async (options: { queues: string }) => {
    const config = configOrExit();
    const queues = options.queues.split(',').map((q) => q.trim());
    const unknown = queues.filter((q) => !(WORKER_QUEUES as readonly string[]).includes(q));
    if (unknown.length > 0) {
      process.stderr.write(
        `parley: unknown queue ${unknown.join(', ')}; known: ${WORKER_QUEUES.join(', ')}\n`,
      );
      process.exit(2);
    }
    const logger = createLogger({ level: config.LOG_LEVEL, name: 'parley-worker' });
    const worker = await startWorker(config, queues as WorkerQueue[], logger);
    const stop = () => void worker.stop().then(() => process.exit(0));
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });

registerIamCommands(program, configOrExit);

program.parseAsync().catch((error: unknown) => {
  process.stderr.write(`parley: ${(error as Error).message}\n`);
  process.exit(1);
});
