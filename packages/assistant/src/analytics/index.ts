// The fast path's HTTP route lives with the package's other routes.
export * from '../http/ask-routes.js';
export * from './answerer.js';
export * from './cache.js';
export * from './compile.js';
export * from './config.js';
export * from './measures.js';
export * from './present.js';
export * from './refresh-job.js';
export * from './run.js';
export * from './warehouse-service.js';
