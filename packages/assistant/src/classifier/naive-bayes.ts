import type { Intent, LabelledUtterance } from './intents.js';
import type { NaiveBayesArtifact } from './model.js';
import { round6 } from './model.js';
import { tokenize } from './tokenize.js';

export interface NaiveBayesOptions {
  intents: readonly Intent[];
  /** Laplace (add-alpha) smoothing. */
  alpha: number;
  threshold: number;
  seed: number;
}

export function trainNaiveBayes(
  rows: LabelledUtterance[],
  options: NaiveBayesOptions,
): Omit<NaiveBayesArtifact, 'heldOut'> {
  const { intents, alpha } = options;
  const classIndex = new Map(intents.map((intent, i) => [intent, i]));
  const vocabulary = [...new Set(rows.flatMap((row) => tokenize(row.text)))].sort();
  const wordIndex = new Map(vocabulary.map((word, i) => [word, i]));
  const counts = intents.map(() => new Float64Array(vocabulary.length));
  const totals = new Float64Array(intents.length);
  const documents = new Float64Array(intents.length);
  for (const row of rows) {
    const c = classIndex.get(row.intent)!;
    documents[c]!++;
    for (const token of tokenize(row.text)) {
      counts[c]![wordIndex.get(token)!]!++;
      totals[c]!++;
    }
  }
  return {
    format: 'parley-intent-model',
    version: 'v1',
    algorithm: 'multinomial-naive-bayes',
    intents: [...intents],
    threshold: options.threshold,
    trainedOn: { samples: rows.length, seed: options.seed },
    alpha,
    vocabulary,
    logPrior: intents.map((_, c) => round6(Math.log(documents[c]! / rows.length))),
    logLikelihood: intents.map((_, c) =>
      Array.from(counts[c]!, (count) =>
        round6(Math.log((count + alpha) / (totals[c]! + alpha * vocabulary.length))),
      ),
    ),
  };
}

/**
 * Scores from a trained naive Bayes model. The joint log-probability is divided by the square root
 * of the number of known tokens before the softmax: raw NB posteriors are overconfident (they count
 * correlated words as independent evidence), and the tempering gives a confidence a threshold can
 * act on.
 * Returns null when no token is in the vocabulary: there is no evidence at all.
 */
export function naiveBayesScorer(artifact: NaiveBayesArtifact): (text: string) => Float64Array | null {
  const wordIndex = new Map(artifact.vocabulary.map((word, i) => [word, i]));
  const classes = artifact.intents.length;
  const likelihood = artifact.logLikelihood.map((row) => Float64Array.from(row));
  return (text) => {
    const logits = Float64Array.from(artifact.logPrior);
    let known = 0;
    for (const token of tokenize(text)) {
      const w = wordIndex.get(token);
      if (w === undefined) continue;
      known++;
      for (let c = 0; c < classes; c++) logits[c]! += likelihood[c]![w]!;
    }
    if (known === 0) return null;
    for (let c = 0; c < classes; c++) logits[c] = logits[c]! / Math.sqrt(known);
    return logits;
  };
}
