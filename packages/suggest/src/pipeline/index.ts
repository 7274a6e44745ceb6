export * from './aggregator.js';
export * from './pipeline.js';
export * from './snapshot.js';
