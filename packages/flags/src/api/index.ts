export * from './keys.js';
export * from './ofrep.js';
export * from './plugin.js';
