export * from './flag-store.js';
export * from './memory.js';
export * from './scheduler.js';
