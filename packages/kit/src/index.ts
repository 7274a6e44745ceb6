export * from './clock.js';
export * from './config/index.js';
export * from './errors.js';
export * from './ids.js';
export * from './logger.js';
