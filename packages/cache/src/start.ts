import { mkdirSync } from 'node:fs';
import type { Server } from 'node:net';
import type { Clock, Logger } from '@parley/kit';
import { type AppendFsync, Config, type ConfigValues, type EvictionPolicy } from './config.js';
import { Persistence } from './persistence/persistence.js';
import { CacheEngine } from './server/engine.js';
import { listen } from './server/listener.js';

export interface StartOptions {
  /** TCP port; 0 picks a free one. Default 6379. */
  port?: number;
  /** Address to bind. Default 127.0.0.1. */
  host?: string;
  requirepass?: string;
  appendonly?: boolean;
  appendfsync?: AppendFsync;
  /** Directory for the AOF and snapshot files. */
  dir?: string;
  /** Bytes, or a Redis memory string such as '1gb'. */
  maxmemory?: number | string;
  maxmemoryPolicy?: EvictionPolicy;
  /** Any other redis.conf parameter, by its Redis name. */
  config?: ConfigValues;
  /** Path of the redis.conf it came from (for CONFIG REWRITE). */
  configFile?: string;
  clock?: Clock;
  /** Called after a SHUTDOWN command stopped the server (the CLI exits the process). */
  onShutdown?: () => void;
  /** Where warnings (a damaged AOF tail, a failed background save, a Lua VM restart) go. */
  logger?: Pick<Logger, 'warn' | 'info'>;
}

export interface CacheServer {
  readonly port: number;
  readonly host: string;
  readonly engine: CacheEngine;
  close(): Promise<void>;
}

/** Builds the configuration from start options (explicit options win over `config`). */
export function configFromOptions(options: StartOptions): Config {
  const values: ConfigValues = { ...options.config };
  if (options.port !== undefined) values.port = String(options.port);
  if (options.host !== undefined) values.bind = options.host;
  if (options.requirepass !== undefined) values.requirepass = options.requirepass;
  if (options.appendonly !== undefined) values.appendonly = options.appendonly ? 'yes' : 'no';
  if (options.appendfsync !== undefined) values.appendfsync = options.appendfsync;
  if (options.dir !== undefined) values.dir = options.dir;
  if (options.maxmemory !== undefined) values.maxmemory = String(options.maxmemory);
  if (options.maxmemoryPolicy !== undefined) values['maxmemory-policy'] = options.maxmemoryPolicy;
  const config = new Config(values);
  config.file = options.configFile;
  return config;
}

/** Starts a Redis-compatible server in this process. */
export async function startCacheServer(options: StartOptions = {}): Promise<CacheServer> {
  const config = configFromOptions(options);
  const engine = new CacheEngine({ config, clock: options.clock });
  engine.logger = options.logger ?? null;
  const host = config.get('bind').split(' ')[0] || '127.0.0.1';
  mkdirSync(config.get('dir'), { recursive: true });
  const persistence = new Persistence(engine, options.logger ?? null);
  engine.persistence = persistence;
  let server: Server;
  try {
    persistence.load();
    server = await listen(engine, config.number('port'), host);
  } catch (error) {
    persistence.close();
    engine.shutdown();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.number('port');
  engine.port = port;
  let closing: Promise<void> | null = null;
  const close = (save: boolean | null) => {
    closing ??= (async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        engine.shutdown();
      });
      // Like redis-server on SHUTDOWN: a final snapshot when save points are configured.
      const wanted = save ?? config.get('save').trim() !== '';
      if (wanted && !persistence.busy) persistence.save();
      persistence.close();
    })();
    return closing;
  };
  engine.shutdownHook = (save) => {
    void close(save).then(() => options.onShutdown?.());
  };
  return { port, host, engine, close: () => close(null) };
}
