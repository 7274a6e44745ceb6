export type { Evaluation, EvaluationContext } from '../evaluate/result.js';
export * from './client.js';
export * from './provider.js';
export * from './sse.js';
