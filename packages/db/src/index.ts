export * from './database.js';
export * from './schema/index.js';
export * from './tenancy.js';
