export * from './access.js';
export * from './problem-handler.js';
export * from './request-id.js';
export * from './validation.js';
