export * from './phrases.js';
export * from './queries.js';
export * from './random.js';
export * from './sales.js';
