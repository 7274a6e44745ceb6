export * from './blend.js';
export * from './decay.js';
export * from './history.js';
