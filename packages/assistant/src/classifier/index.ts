export * from './clarify.js';
export * from './classifier.js';
export * from './dataset.js';
export * from './evaluate.js';
export * from './intents.js';
export type {
  HeldOutFigures,
  IntentArtifact,
  ModelVersion,
  NaiveBayesArtifact,
  SoftmaxArtifact,
} from './model.js';
export { MODEL_VERSIONS } from './model.js';
export * from './tokenize.js';
export { trainClassifiers } from './train.js';
