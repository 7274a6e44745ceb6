export * from './clause.js';
export * from './flag.js';
export * from './limits.js';
export * from './ruleset.js';
export * from './schedule.js';
export * from './segment.js';
