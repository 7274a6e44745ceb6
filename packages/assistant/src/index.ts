export * from './analytics/index.js';
export * from './classifier/index.js';
export * from './conversations/index.js';
export * from './http/index.js';
export * from './narrative/index.js';
export * from './semantic/index.js';
export * from './slots/index.js';
export * from './warehouse/index.js';
