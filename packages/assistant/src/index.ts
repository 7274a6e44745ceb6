export * from './classifier/index.js';
export * from './semantic/catalog.js';
export * from './slots/index.js';
