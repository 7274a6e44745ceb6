/**
 * A label set: name/value pairs sorted by name, as Prometheus keeps them. The `key` is a
 * canonical string of the sorted pairs, used to find a series by hash (Map lookup).
 */
export interface Label {
  name: string;
  value: string;
}

export type Labels = readonly Label[];

export const METRIC_NAME = '__name__';

const SEP = '\xff';

// Legacy (pre-UTF-8) name rules: what every Prometheus client and exporter produces.
const METRIC_NAME_RE = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME_RE = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

export function isValidMetricName(name: string): boolean {
  return METRIC_NAME_RE.test(name);
}

export function isValidLabelName(name: string): boolean {
  return LABEL_NAME_RE.test(name);
}

function byName(a: Label, b: Label): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Builds a sorted label set from a record, dropping empty values (an empty value means "absent"). */
export function labelsFromRecord(record: Record<string, string>): Labels {
  const out: Label[] = [];
  for (const name of Object.keys(record)) {
    const value = record[name]!;
    if (value !== '') out.push({ name, value });
  }
  return out.sort(byName);
}

/** Sorts and drops empty values; the input array is not modified. */
export function normalizeLabels(labels: readonly Label[]): Labels {
  return labels.filter((l) => l.value !== '').sort(byName);
}

export function labelsToRecord(labels: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  for (const l of labels) out[l.name] = l.value;
  return out;
}

// Label sets are immutable once built, so derived values are cached per array: the engine asks
// for the same series' key and name-less labels at every step of a range query.
const keyCache = new WeakMap<Labels, string>();
const withoutNameCache = new WeakMap<Labels, Labels>();

export function labelsKey(labels: Labels): string {
  let key = keyCache.get(labels);
  if (key === undefined) {
    key = '';
    for (const l of labels) key += l.name + SEP + l.value + SEP;
    keyCache.set(labels, key);
  }
  return key;
}

export function getLabel(labels: Labels, name: string): string {
  for (const l of labels) if (l.name === name) return l.value;
  return '';
}

export function metricName(labels: Labels): string {
  return getLabel(labels, METRIC_NAME);
}

export function withoutLabels(labels: Labels, names: ReadonlySet<string>): Labels {
  return labels.filter((l) => !names.has(l.name));
}

export function onlyLabels(labels: Labels, names: ReadonlySet<string>): Labels {
  return labels.filter((l) => names.has(l.name));
}

export function dropMetricName(labels: Labels): Labels {
  let out = withoutNameCache.get(labels);
  if (out === undefined) {
    out = labels.some((l) => l.name === METRIC_NAME) ? labels.filter((l) => l.name !== METRIC_NAME) : labels;
    withoutNameCache.set(labels, out);
  }
  return out;
}

/** Returns a copy with `name` set to `value` (removed when value is empty), kept sorted. */
export function setLabel(labels: Labels, name: string, value: string): Labels {
  const out = labels.filter((l) => l.name !== name);
  if (value !== '') {
    out.push({ name, value });
    out.sort(byName);
  }
  return out;
}

export function labelsString(labels: Labels): string {
  const name = metricName(labels);
  const rest = labels
    .filter((l) => l.name !== METRIC_NAME)
    .map((l) => `${l.name}=${JSON.stringify(l.value)}`);
  return `${name}{${rest.join(', ')}}`;
}

/**
 * Checks a label set received from outside (remote write, scrape, OTLP): returns the reason it is
 * invalid, or undefined. Input must already be sorted by name.
 */
export function validateLabels(labels: Labels): string | undefined {
  const name = metricName(labels);
  if (name === '') return 'missing metric name (__name__ label)';
  if (!isValidMetricName(name)) return `invalid metric name ${JSON.stringify(name)}`;
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!isValidLabelName(l.name)) return `invalid label name ${JSON.stringify(l.name)}`;
    if (i > 0 && labels[i - 1]!.name === l.name) return `duplicate label name ${JSON.stringify(l.name)}`;
  }
  return undefined;
}
