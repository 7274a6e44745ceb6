export * from './band.js';
export * from './policy.js';
export * from './search.js';
