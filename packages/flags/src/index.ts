export * from './api/index.js';
export * from './evaluate/index.js';
export * from './export/index.js';
export * from './hash/index.js';
export * from './import/index.js';
export * from './model/index.js';
export * from './store/index.js';
export * from './validate.js';
