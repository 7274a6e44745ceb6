/** Values PromQL expressions evaluate to. Timestamps in ms. */
import type { Labels } from '../labels.js';

/** One element of an instant vector. `t` is the sample's own timestamp for raw selector output. */
export interface Sample {
  labels: Labels;
  t: number;
  v: number;
}

/** One series of a range vector: time-ordered samples, stale markers already removed. */
export interface RangeSeries {
  labels: Labels;
  t: ArrayLike<number>;
  v: ArrayLike<number>;
}

export type Value =
  | { type: 'scalar'; v: number }
  | { type: 'string'; s: string }
  | { type: 'vector'; samples: Sample[] }
  | { type: 'matrix'; series: RangeSeries[] };

/** A query failure in Prometheus's error classes (API `errorType`). */
export type QueryErrorType = 'bad_data' | 'execution' | 'timeout' | 'canceled' | 'internal';

export class QueryError extends Error {
  override name = 'QueryError';
  constructor(
    readonly errorType: QueryErrorType,
    message: string,
  ) {
    super(message);
  }
}
