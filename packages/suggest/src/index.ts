export * from './fuzzy/index.js';
export * from './index/index.js';
export * from './lookup.js';
export * from './normalize.js';
export * from './query.js';
