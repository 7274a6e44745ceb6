import { readFileSync } from 'node:fs';
import { INTENTS, type Intent } from './intents.js';
import { softmaxScorer } from './logistic.js';
import { type IntentArtifact, MODEL_VERSIONS, type ModelVersion } from './model.js';
import { naiveBayesScorer } from './naive-bayes.js';
import { softmax } from './softmax.js';

export interface Candidate {
  intent: Intent;
  score: number;
}

export interface Classification {
  /** The routed intent, or `needs_clarification` when the top score is under the threshold. */
  intent: Intent | 'needs_clarification';
  /** Probability of the top intent. */
  confidence: number;
  scores: Record<Intent, number>;
  /** The best intents, highest first: what a clarifying question offers. */
  candidates: Candidate[];
  version: ModelVersion;
}

export interface IntentClassifier {
  version: ModelVersion;
  threshold: number;
  classify(text: string): Classification;
  /** The most likely intent, ignoring the threshold (for evaluation). */
  predict(text: string): Intent;
}

export interface ClassifierOptions {
  /** Overrides the threshold stored in the artifact. */
  threshold?: number;
  /** How many candidates a result carries. */
  candidates?: number;
}

/** Directory of the committed model artifacts (models/intent-<version>.json). */
export const MODELS_DIR = new URL('../../models/', import.meta.url);

export function classifierFromArtifact(
  artifact: IntentArtifact,
  options: ClassifierOptions = {},
): IntentClassifier {
  if (artifact.format !== 'parley-intent-model') throw new Error('not a Parley intent model artifact');
  const intents = artifact.intents;
  const unknown = intents.find((intent) => !(INTENTS as readonly string[]).includes(intent));
  if (unknown) throw new Error(`model has an unknown intent: ${unknown}`);
  const score = artifact.version === 'v1' ? naiveBayesScorer(artifact) : softmaxScorer(artifact);
  const threshold = options.threshold ?? artifact.threshold;
  const keep = options.candidates ?? 3;
  const uniform = () => new Float64Array(intents.length).fill(1 / intents.length);

  const probabilities = (text: string): Float64Array => {
    const logits = score(text);
    return logits ? softmax(logits) : uniform();
  };

  return {
    version: artifact.version,
    threshold,
    predict(text) {
      const p = probabilities(text);
      let best = 0;
      for (let c = 1; c < p.length; c++) if (p[c]! > p[best]!) best = c;
      return intents[best]!;
    },
    classify(text) {
      const p = probabilities(text);
      const ranked = intents
        .map((intent, c) => ({ intent, score: p[c]! }))
        .sort((a, b) => b.score - a.score || intents.indexOf(a.intent) - intents.indexOf(b.intent));
      const top = ranked[0]!;
      return {
        intent: top.score >= threshold ? top.intent : 'needs_clarification',
        confidence: top.score,
        scores: Object.fromEntries(intents.map((intent, c) => [intent, p[c]!])) as Record<Intent, number>,
        candidates: ranked.slice(0, keep),
        version: artifact.version,
      };
    },
  };
}

export function readArtifact(version: ModelVersion, dir: URL = MODELS_DIR): IntentArtifact {
  if (!MODEL_VERSIONS.includes(version)) throw new Error(`unknown classifier version: ${String(version)}`);
  const artifact = JSON.parse(readFileSync(new URL(`intent-${version}.json`, dir), 'utf8')) as IntentArtifact;
  if (artifact.version !== version)
    throw new Error(`intent-${version}.json holds version ${artifact.version}`);
  return artifact;
}

/** Loads a committed model version; versions are independent, so v1 and v2 can serve side by side. */
export function loadClassifier(version: ModelVersion, options: ClassifierOptions = {}): IntentClassifier {
  return classifierFromArtifact(readArtifact(version), options);
}
