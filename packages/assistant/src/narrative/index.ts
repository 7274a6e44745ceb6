export * from './analyst.js';
export * from './chart.js';
export * from './format.js';
export * from './results.js';
