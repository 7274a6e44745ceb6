import type { Intent } from './intents.js';

export type ModelVersion = 'v1' | 'v2';
export const MODEL_VERSIONS: readonly ModelVersion[] = ['v1', 'v2'];

/** Figures measured on the held-out split when the artifact was trained, kept with the model. */
export interface HeldOutFigures {
  samples: number;
  accuracy: number;
  macroF1: number;
}

interface ArtifactHeader {
  format: 'parley-intent-model';
  version: ModelVersion;
  intents: Intent[];
  /** Below this top-class confidence the assistant asks a clarifying question. */
  threshold: number;
  trainedOn: { samples: number; seed: number };
  heldOut: HeldOutFigures;
}

/** v1: multinomial naive Bayes over word unigrams with Laplace smoothing. */
export interface NaiveBayesArtifact extends ArtifactHeader {
  version: 'v1';
  algorithm: 'multinomial-naive-bayes';
  alpha: number;
  vocabulary: string[];
  logPrior: number[];
  /** Per intent, ln P(word | intent) for each vocabulary word, in vocabulary order. */
  logLikelihood: number[][];
}

/** v2: softmax regression over hashed TF-IDF of word 1–2-grams and character n-grams. */
export interface SoftmaxArtifact extends ArtifactHeader {
  version: 'v2';
  algorithm: 'softmax-regression';
  hashing: { dimension: number; charNgrams: [number, number] };
  training: { epochs: number; batchSize: number; learningRate: number; l2: number };
  /** Float32 little-endian, base64: IDF per bucket. */
  idf: string;
  /** Float32 little-endian, base64: weights, feature-major (`bucket * intents + intent`). */
  weights: string;
  bias: number[];
}

export type IntentArtifact = NaiveBayesArtifact | SoftmaxArtifact;

export function encodeFloat32(values: Float32Array): string {
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');
}

export function decodeFloat32(encoded: string, expectedLength: number): Float32Array {
  const bytes = Buffer.from(encoded, 'base64');
  if (bytes.byteLength !== expectedLength * 4) {
    throw new Error(`model array has ${bytes.byteLength / 4} values, expected ${expectedLength}`);
  }
  const copy = new Uint8Array(bytes);
  return new Float32Array(copy.buffer);
}

/** Rounds to 6 decimals: enough for log-probabilities, and it keeps the JSON small. */
export function round6(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}
