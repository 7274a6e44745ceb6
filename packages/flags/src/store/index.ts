export * from './flag-store.js';
export * from './memory.js';
