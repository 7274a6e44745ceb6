export * from './answerer.js';
export * from './cache.js';
export * from './compile.js';
export * from './measures.js';
export * from './present.js';
export * from './run.js';
export * from './warehouse-service.js';
