export * from './directory.js';
export * from './events.js';
export * from './narration-tasks.js';
export * from './open.js';
export * from './task-queue.js';
