export * from './catalog.js';
export * from './limits.js';
export * from './plan.js';
export * from './planner.js';
