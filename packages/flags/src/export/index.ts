export * from './flagd.js';
