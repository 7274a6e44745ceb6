export * from './http-load.js';
export * from './report.js';
export * from './stats.js';
