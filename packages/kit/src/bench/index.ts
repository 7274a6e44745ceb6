export * from './report.js';
export * from './stats.js';
