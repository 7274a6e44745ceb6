export * from './classifier/index.js';
export * from './narrative/index.js';
export * from './semantic/index.js';
export * from './slots/index.js';
