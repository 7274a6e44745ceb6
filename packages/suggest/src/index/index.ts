export * from './builder.js';
export * from './layout.js';
export * from './prefix-index.js';
