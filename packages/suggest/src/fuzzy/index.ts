export * from './automaton.js';
export * from './policy.js';
