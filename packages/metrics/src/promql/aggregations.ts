/** PromQL aggregation operators over instant vectors, grouped `by` or `without` labels. */
import { type Labels, labelsKey, METRIC_NAME } from '../labels.js';
import type { AggregateExpr } from './ast.js';
import { kahanSum, quantile } from './functions.js';
import { QueryError, type Sample } from './value.js';

interface Group {
  labels: Labels;
  samples: Sample[];
}

/** The labels a sample is grouped under. `without` also drops the metric name. */
export function groupingLabels(labels: Labels, grouping: readonly string[], without: boolean): Labels {
  if (without) return labels.filter((l) => l.name !== METRIC_NAME && !grouping.includes(l.name));
  return labels.filter((l) => grouping.includes(l.name));
}

/** A sample's group: its labels and their key. */
export interface GroupOf {
  labels: Labels;
  key: string;
}

// The group of each input label set, per grouping clause. Keyed by the input label set (series
// labels are the same arrays from query to query), so group labels and their keys are computed
// once per series and clause, not once per query.
const groupCache = new WeakMap<Labels, Map<string, GroupOf>>();
const clauseKeys = new WeakMap<AggregateExpr, string>();

function clauseKey(node: AggregateExpr): string {
  let clause = clauseKeys.get(node);
  if (clause === undefined) {
    clause = `${node.without ? 'without' : 'by'}\xff${node.grouping.join('\xff')}`;
    clauseKeys.set(node, clause);
  }
  return clause;
}

/** The group of a label set under a clause; `clause` is clauseKey(node), passed when looping. */
export function cachedGrouping(node: AggregateExpr, labels: Labels, clause = clauseKey(node)): GroupOf {
  let byClause = groupCache.get(labels);
  if (!byClause) {
    byClause = new Map();
    groupCache.set(labels, byClause);
  }
  let out = byClause.get(clause);
  if (!out) {
    const grouped = groupingLabels(labels, node.grouping, node.without);
    out = { labels: grouped, key: labelsKey(grouped) };
    byClause.set(clause, out);
  }
  return out;
}

function groups(samples: Sample[], node: AggregateExpr): Group[] {
  const byKey = new Map<string, Group>();
  const clause = clauseKey(node);
  for (const s of samples) {
    const { labels, key } = cachedGrouping(node, s.labels, clause);
    let g = byKey.get(key);
    if (!g) {
      g = { labels, samples: [] };
      byKey.set(key, g);
    }
    g.samples.push(s);
  }
  return [...byKey.values()];
}

function values(g: Group): number[] {
  return g.samples.map((s) => s.v);
}

function variance(vs: number[]): number {
  let mean = 0;
  let m2 = 0;
  vs.forEach((v, i) => {
    const delta = v - mean;
    mean += delta / (i + 1);
    m2 += delta * (v - mean);
  });
  return m2 / vs.length;
}

function avg(vs: number[]): number {
  const sum = kahanSum(vs);
  if (Number.isFinite(sum)) return sum / vs.length;
  // Sum overflowed: fall back to an incremental mean, as Prometheus does.
  let mean = 0;
  vs.forEach((v, i) => {
    mean += v / (i + 1) - mean / (i + 1);
  });
  return mean;
}

function minMax(vs: number[], max: boolean): number {
  let m = Number.NaN;
  for (const v of vs) if (Number.isNaN(m) || (max ? v > m : v < m)) m = v;
  return m;
}

/** Go's strconv.FormatFloat(v, 'f', -1, 64), used for count_values' label. */
export function formatFloat(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Number.POSITIVE_INFINITY) return '+Inf';
  if (v === Number.NEGATIVE_INFINITY) return '-Inf';
  const s = String(v);
  const m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(s);
  if (!m) return s;
  const [, sign, int, frac = '', expText] = m;
  const exp = Number(expText);
  const digits = int! + frac;
  if (exp >= 0) {
    const point = 1 + exp;
    return (
      sign +
      (digits.length <= point
        ? digits + '0'.repeat(point - digits.length)
        : `${digits.slice(0, point)}.${digits.slice(point)}`)
    );
  }
  return `${sign}0.${'0'.repeat(-exp - 1)}${digits}`;
}

export function aggregate(
  node: AggregateExpr,
  samples: Sample[],
  param: number | string,
  t: number,
): Sample[] {
  const out: Sample[] = [];
  switch (node.op) {
    case 'topk':
    case 'bottomk': {
      const k = param as number;
      if (Number.isNaN(k)) throw new QueryError('bad_data', `Parameter value is NaN for ${node.op}`);
      const limit = Math.floor(k);
      if (limit < 1) return out;
      const top = node.op === 'topk';
      for (const g of groups(samples, node)) {
        // NaN is never preferred over a number.
        const sorted = [...g.samples].sort((a, b) => {
          if (Number.isNaN(a.v)) return Number.isNaN(b.v) ? 0 : 1;
          if (Number.isNaN(b.v)) return -1;
          return top ? b.v - a.v : a.v - b.v;
        });
        for (const s of sorted.slice(0, limit)) out.push({ labels: s.labels, t, v: s.v });
      }
      return out;
    }
    case 'count_values': {
      const name = param as string;
      if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name))
        throw new QueryError('bad_data', `invalid label name ${JSON.stringify(name)}`);
      const counts = new Map<string, Sample>();
      for (const s of samples) {
        const base = groupingLabels(s.labels, node.grouping, node.without).filter((l) => l.name !== name);
        const labels = [...base, { name, value: formatFloat(s.v) }].sort((a, b) =>
          a.name < b.name ? -1 : 1,
        );
        const key = labelsKey(labels);
        const existing = counts.get(key);
        if (existing) existing.v++;
        else counts.set(key, { labels, t, v: 1 });
      }
      return [...counts.values()];
    }
    default:
      break;
  }
  for (const g of groups(samples, node))
    out.push({ labels: g.labels, t, v: reduce(node.op, values(g), param) });
  return out;
}

/** The value of one group for the aggregations that reduce a group to one sample. */
export function reduce(op: AggregateExpr['op'], vs: number[], param: number | string): number {
  switch (op) {
    case 'sum':
      return kahanSum(vs);
    case 'avg':
      return avg(vs);
    case 'min':
      return minMax(vs, false);
    case 'max':
      return minMax(vs, true);
    case 'count':
      return vs.length;
    case 'group':
      return 1;
    case 'stddev':
      return Math.sqrt(variance(vs));
    case 'stdvar':
      return variance(vs);
    case 'quantile':
      return quantile(param as number, vs);
    default:
      throw new QueryError('internal', `${op} does not reduce a group to one value`);
  }
}
