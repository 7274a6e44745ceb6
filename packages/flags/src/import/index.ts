export * from './flagd.js';
export * from './result.js';
export * from './unleash.js';
