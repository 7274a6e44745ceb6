export * from './bucket.js';
export * from './compile.js';
export * from './evaluator.js';
export * from './result.js';
