export * from './change-bus.js';
export * from './flag-store.js';
export * from './memory.js';
export * from './postgres/index.js';
export * from './redis-change-bus.js';
export * from './scheduler.js';
