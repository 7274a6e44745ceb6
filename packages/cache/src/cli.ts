import { createLogger } from '@parley/kit';
import { ConfigError, type ConfigValues, loadConfigFile } from './config.js';
import { type CacheServer, startCacheServer } from './start.js';

/**
 * `parley cache-server [/path/to/redis.conf] [--port 6379] [--bind 127.0.0.1] [--name value ...]`
 * Like redis-server: an optional config file first, then `--parameter value` pairs that
 * override it. Resolves with the running server once listening; it stops on SIGINT/SIGTERM.
 */
export async function runCacheServerCli(argv: string[]): Promise<CacheServer> {
  let values: ConfigValues = {};
  let configFile: string | undefined;
  let i = 0;
  if (argv[0] !== undefined && !argv[0].startsWith('--')) {
    configFile = argv[0];
    values = loadConfigFile(configFile);
    i = 1;
  }
  for (; i < argv.length; i++) {
    const flag = argv[i]!;
    if (!flag.startsWith('--')) throw new ConfigError(`unexpected argument '${flag}'`);
    const name = flag.slice(2).toLowerCase();
    // Multi-word values (--save "900 1") are taken up to the next flag, as redis-server does.
    const words: string[] = [];
    while (i + 1 < argv.length && !argv[i + 1]!.startsWith('--')) words.push(argv[++i]!);
    values[name] = words.join(' ');
  }
  const logger = createLogger({ name: 'cache' });
  const server = await startCacheServer({
    config: values,
    configFile,
    logger,
    onShutdown: () => process.exit(0),
  });
  logger.info({ host: server.host, port: server.port }, 'Parley cache ready to accept connections');
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return server;
}
