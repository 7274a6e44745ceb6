export * from './keys.js';
export * from './management.js';
export * from './ofrep.js';
export * from './plugin.js';
