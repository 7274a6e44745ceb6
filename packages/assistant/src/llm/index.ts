export * from './builtin.js';
export * from './config.js';
export * from './openai.js';
export * from './provider.js';
export * from './resilient.js';
