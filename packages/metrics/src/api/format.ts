/** Prometheus HTTP API result encoding: `[<unix seconds>, "<value>"]` pairs and label objects. */
import { labelsToRecord } from '../labels.js';
import { formatFloat } from '../promql/aggregations.js';
import type { RangeSeries, Value } from '../promql/value.js';

type Point = [number, string];

function point(t: number, v: number): Point {
  return [t / 1000, formatFloat(v)];
}

export function formatValue(value: Value, time: number): { resultType: string; result: unknown } {
  switch (value.type) {
    case 'scalar':
      return { resultType: 'scalar', result: point(time, value.v) };
    case 'string':
      return { resultType: 'string', result: [time / 1000, value.s] };
    case 'vector':
      return {
        resultType: 'vector',
        result: value.samples.map((s) => ({ metric: labelsToRecord(s.labels), value: point(time, s.v) })),
      };
    case 'matrix':
      return { resultType: 'matrix', result: formatMatrix(value.series) };
  }
}

export function formatMatrix(series: RangeSeries[]): unknown[] {
  return series.map((s) => {
    const values: Point[] = [];
    for (let i = 0; i < s.t.length; i++) values.push(point(s.t[i]!, s.v[i]!));
    return { metric: labelsToRecord(s.labels), values };
  });
}
