export * from './events.js';
export * from './narration-tasks.js';
export * from './open.js';
