export * from './config.js';
export * from './csv.js';
export * from './escape.js';
export * from './html.js';
export * from './report-job.js';
export * from './report-tasks.js';
export * from './svg.js';
