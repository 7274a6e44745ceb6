export { runCacheServerCli } from './cli.js';
export { Config, type EvictionPolicy, parseConfigFile } from './config.js';
export { CacheEngine } from './server/engine.js';
export { type CacheServer, type StartOptions, startCacheServer } from './start.js';
