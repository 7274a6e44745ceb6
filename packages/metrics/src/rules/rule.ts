/** What alerting and recording rules share: evaluation health and the samples they produce. */
import type { Labels } from '../labels.js';
import type { Expr } from '../promql/ast.js';

export type RuleHealth = 'unknown' | 'ok' | 'err';

/** A sample a rule writes back into the database. */
export interface RuleSample {
  labels: Labels;
  t: number;
  v: number;
}

/** Evaluates an instant query at `t` (ms); a scalar comes back as one sample without labels. */
export type QueryFunc = (expr: Expr, t: number) => RuleSample[];

/** Evaluation bookkeeping the rules API reports (`health`, `lastError`, `evaluationTime`, ...). */
export abstract class Rule {
  abstract readonly type: 'alerting' | 'recording';
  abstract readonly config: { name: string; query: string; labels: Record<string, string> };
  health: RuleHealth = 'unknown';
  lastError = '';
  /** ms of the last evaluation's start, undefined before the first. */
  lastEvaluation: number | undefined;
  /** Duration of the last evaluation in ms. */
  evaluationTimeMs = 0;

  get name(): string {
    return this.config.name;
  }
  /** The expression as written in the rule file. */
  get query(): string {
    return this.config.query;
  }
  get labels(): Record<string, string> {
    return this.config.labels;
  }

  /** Identity across reloads: a rule keeps its state when a rule of the same name and labels replaces it. */
  get key(): string {
    return `${this.type}\xff${this.name}\xff${JSON.stringify(Object.entries(this.labels).sort())}`;
  }

  abstract eval(ts: number, queryOffsetMs: number, query: QueryFunc, limit: number): RuleSample[];
}
