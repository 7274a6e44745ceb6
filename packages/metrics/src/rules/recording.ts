/** A recording rule (Prometheus rules/recording.go): its query's result stored under a new metric name. */
import { labelsKey, METRIC_NAME, setLabel } from '../labels.js';
import type { RecordingRuleConfig } from './file.js';
import { type QueryFunc, Rule, type RuleSample } from './rule.js';

export class RecordingRule extends Rule {
  readonly type = 'recording';

  constructor(readonly config: RecordingRuleConfig) {
    super();
  }

  eval(ts: number, queryOffsetMs: number, query: QueryFunc, limit: number): RuleSample[] {
    const t = ts - queryOffsetMs;
    const out: RuleSample[] = [];
    const seen = new Set<string>();
    for (const sample of query(this.config.expr, t)) {
      let labels = setLabel(sample.labels, METRIC_NAME, this.config.name);
      for (const [name, value] of Object.entries(this.config.labels)) labels = setLabel(labels, name, value);
      const key = labelsKey(labels);
      if (seen.has(key))
        throw new Error('vector contains metrics with the same labelset after applying rule labels');
      seen.add(key);
      out.push({ labels, t, v: sample.v });
    }
    if (limit > 0 && out.length > limit) throw new Error(`exceeded limit ${limit} with ${out.length} series`);
    return out;
  }
}
