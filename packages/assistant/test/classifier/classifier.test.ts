import { describe, expect, it } from 'vitest';
import { clarifyingQuestion } from '../../src/classifier/clarify.js';
import { classifierFromArtifact, loadClassifier, readArtifact } from '../../src/classifier/classifier.js';
import { INTENTS } from '../../src/classifier/intents.js';
import type { ModelVersion } from '../../src/classifier/model.js';

const v1 = loadClassifier('v1');
const v2 = loadClassifier('v2');

describe('loadClassifier', () => {
  it('serves both versions side by side', () => {
    expect(v1.version).toBe('v1');
    expect(v2.version).toBe('v2');
    const text = 'revenue by region for Q3';
    expect(v1.classify(text).version).toBe('v1');
    expect(v2.classify(text).version).toBe('v2');
    expect(v1.classify(text).scores).not.toEqual(v2.classify(text).scores);
  });

  it.each([
    ['what was revenue last quarter', 'metric_query'],
    ['revenue by region for Q3', 'breakdown'],
    ['summarize sales trends this year', 'trend_summary'],
    ['generate a report of top customers in EMEA', 'report_request'],
    ['schedule the weekly sales report every Monday', 'workflow_action'],
    ['hi', 'help_smalltalk'],
    ['what can you do', 'help_smalltalk'],
    ["what's the weather in Paris", 'out_of_scope'],
    ['add a new analyst user', 'admin_request'],
  ])('v2 routes "%s" to %s', (text, intent) => {
    const result = v2.classify(text);
    expect(result.intent).toBe(intent);
    expect(result.confidence).toBeGreaterThanOrEqual(v2.threshold);
  });

  it('returns probabilities over every intent, ranked candidates first', () => {
    for (const classifier of [v1, v2]) {
      const result = classifier.classify('top 5 products by margin last month');
      expect(Object.keys(result.scores).sort()).toEqual([...INTENTS].sort());
      const total = Object.values(result.scores).reduce((sum, p) => sum + p, 0);
      expect(total).toBeCloseTo(1, 6);
      expect(result.candidates).toHaveLength(3);
      expect(result.candidates[0]!.score).toBe(result.confidence);
      expect(result.candidates[0]!.score).toBeGreaterThanOrEqual(result.candidates[1]!.score);
    }
  });

  it('asks for clarification below the threshold, offering the top candidates', () => {
    const strict = loadClassifier('v2', { threshold: 0.999, candidates: 2 });
    const result = strict.classify('revenue');
    expect(result.intent).toBe('needs_clarification');
    expect(result.candidates).toHaveLength(2);
    expect(INTENTS).toContain(result.candidates[0]!.intent);
  });

  it('words the clarifying question from the two best candidates', () => {
    const strict = loadClassifier('v2', { threshold: 0.999 });
    const question = clarifyingQuestion(strict.classify('revenue by region for Q3'));
    expect(question).toBe(
      'Just to be sure: do you want a breakdown or ranking, such as revenue by region, or a single figure, such as revenue last quarter?',
    );
    expect(clarifyingQuestion(v2.classify('revenue by region for Q3'))).toBeUndefined();
    expect(clarifyingQuestion(v2.classify(''))).toMatch(/could not tell what you need/);
  });

  it('asks for clarification when there is no evidence at all', () => {
    for (const classifier of [v1, v2]) {
      for (const text of ['', '   ', '???', 'zxqv wplk']) {
        const result = classifier.classify(text);
        expect(result.intent, `${classifier.version} ${JSON.stringify(text)}`).toBe('needs_clarification');
      }
      expect(classifier.classify('').confidence).toBeCloseTo(1 / INTENTS.length, 10);
    }
  });

  it('rejects unknown versions and foreign artifacts clearly', () => {
    expect(() => loadClassifier('v9' as ModelVersion)).toThrow(/unknown classifier version/);
    const artifact = readArtifact('v2');
    if (artifact.version !== 'v2') throw new Error('intent-v2.json is not v2');
    expect(() => classifierFromArtifact({ ...artifact, weights: 'AAAA' })).toThrow(/expected/);
    expect(() => classifierFromArtifact({ ...artifact, format: 'other' as 'parley-intent-model' })).toThrow(
      /not a Parley intent model/,
    );
  });
});
