export * from './classifier/index.js';
