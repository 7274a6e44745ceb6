export { runCacheServerCli } from './cli.js';
export type { CommandSpec, Flag } from './commands/command.js';
export { commandTable } from './commands/index.js';
export { Config, type EvictionPolicy, parseConfigFile } from './config.js';
export { decodeReplies, ErrorReply, type ReplyValue, StatusReply } from './protocol/reply.js';
export { CacheEngine } from './server/engine.js';
export { InProcessCaller } from './server/execute.js';
export { type CacheServer, type StartOptions, startCacheServer } from './start.js';
