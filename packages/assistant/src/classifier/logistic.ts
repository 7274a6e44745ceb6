import {
  type HashingConfig,
  hashedCounts,
  inverseDocumentFrequency,
  type SparseVector,
  tfidf,
} from './features.js';
import type { Intent, LabelledUtterance } from './intents.js';
import { decodeFloat32, encodeFloat32, round6, type SoftmaxArtifact } from './model.js';
import { mulberry32, shuffle } from './prng.js';
import { softmax } from './softmax.js';

export interface SoftmaxOptions {
  intents: readonly Intent[];
  hashing: HashingConfig;
  epochs: number;
  batchSize: number;
  /** Initial step size; it decays as learningRate / (1 + epoch / 4). */
  learningRate: number;
  /** L2 penalty on the weights (not the biases). */
  l2: number;
  threshold: number;
  seed: number;
}

/**
 * Multinomial logistic regression trained by mini-batch SGD on cross-entropy + L2. The weight decay
 * is applied lazily through one shared scale factor, so a step costs O(non-zeros) rather than
 * O(buckets × intents). Sample order comes from a seeded shuffle, so training is reproducible.
 */
export function trainSoftmax(
  rows: LabelledUtterance[],
  options: SoftmaxOptions,
): Omit<SoftmaxArtifact, 'heldOut'> {
  const { intents, hashing } = options;
  const K = intents.length;
  const classIndex = new Map(intents.map((intent, i) => [intent, i]));
  const counts = rows.map((row) => hashedCounts(row.text, hashing));
  const idf = inverseDocumentFrequency(counts, hashing.dimension);
  const samples = counts.map((c) => tfidf(c, idf));
  const labels = rows.map((row) => classIndex.get(row.intent)!);

  const weights = new Float64Array(hashing.dimension * K);
  const bias = new Float64Array(K);
  let scale = 1;
  const random = mulberry32(options.seed);
  const order = rows.map((_, i) => i);
  const logits = new Float64Array(K);
  const gradients = new Float64Array(options.batchSize * K);
  const biasGradient = new Float64Array(K);

  for (let epoch = 0; epoch < options.epochs; epoch++) {
    const rate = options.learningRate / (1 + epoch / 4);
    shuffle(order, random);
    for (let start = 0; start < order.length; start += options.batchSize) {
      const batch = order.slice(start, start + options.batchSize);
      biasGradient.fill(0);
      // Gradients are computed for the whole batch before any weight moves.
      batch.forEach((sample, b) => {
        scoreInto(logits, samples[sample]!, weights, bias, K, scale);
        softmax(logits);
        for (let c = 0; c < K; c++) {
          const g = logits[c]! - (labels[sample] === c ? 1 : 0);
          gradients[b * K + c] = g;
          biasGradient[c]! += g;
        }
      });
      const step = rate / batch.length;
      batch.forEach((sample, b) => {
        const { indices, values } = samples[sample]!;
        for (let i = 0; i < indices.length; i++) {
          const base = indices[i]! * K;
          const v = (values[i]! * step) / scale;
          for (let c = 0; c < K; c++) weights[base + c]! -= gradients[b * K + c]! * v;
        }
      });
      for (let c = 0; c < K; c++) bias[c]! -= step * biasGradient[c]!;
      scale *= 1 - rate * options.l2;
      if (scale < 1e-6) {
        for (let j = 0; j < weights.length; j++) weights[j]! *= scale;
        scale = 1;
      }
    }
  }
  const folded = new Float32Array(weights.length);
  for (let j = 0; j < weights.length; j++) folded[j] = weights[j]! * scale;
  return {
    format: 'parley-intent-model',
    version: 'v2',
    algorithm: 'softmax-regression',
    intents: [...intents],
    threshold: options.threshold,
    trainedOn: { samples: rows.length, seed: options.seed },
    hashing: { dimension: hashing.dimension, charNgrams: hashing.charNgrams },
    training: {
      epochs: options.epochs,
      batchSize: options.batchSize,
      learningRate: options.learningRate,
      l2: options.l2,
    },
    idf: encodeFloat32(idf),
    weights: encodeFloat32(folded),
    bias: Array.from(bias, round6),
  };
}

function scoreInto(
  logits: Float64Array,
  x: SparseVector,
  weights: ArrayLike<number>,
  bias: ArrayLike<number>,
  K: number,
  scale: number,
): void {
  for (let c = 0; c < K; c++) logits[c] = 0;
  const { indices, values } = x;
  for (let i = 0; i < indices.length; i++) {
    const base = indices[i]! * K;
    const v = values[i]!;
    for (let c = 0; c < K; c++) logits[c]! += weights[base + c]! * v;
  }
  for (let c = 0; c < K; c++) logits[c] = logits[c]! * scale + bias[c]!;
}

/** Logits from a trained softmax model; null when the text yields no features. */
export function softmaxScorer(artifact: SoftmaxArtifact): (text: string) => Float64Array | null {
  const K = artifact.intents.length;
  const { dimension } = artifact.hashing;
  const idf = decodeFloat32(artifact.idf, dimension);
  const weights = decodeFloat32(artifact.weights, dimension * K);
  const bias = Float64Array.from(artifact.bias);
  return (text) => {
    const x = tfidf(hashedCounts(text, artifact.hashing), idf);
    if (x.indices.length === 0) return null;
    const logits = new Float64Array(K);
    scoreInto(logits, x, weights, bias, K, 1);
    return logits;
  };
}
