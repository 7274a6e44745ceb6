export { type AppOptions, buildApp } from './app.js';
export { loadServerConfig, type ServerConfig, serverConfigSpec } from './config.js';
export type { ReadinessCheck } from './http/health.js';
export { type RunningServer, startServer, stopOnSignals } from './main.js';
