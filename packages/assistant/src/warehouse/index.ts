export * from './demo.js';
export * from './dimensions.js';
export * from './facts.js';
export * from './refresh.js';
export * from './schema.js';
export * from './seed.js';
export * from './version.js';
