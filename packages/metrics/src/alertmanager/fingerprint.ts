/**
 * Label-set identity exactly as Prometheus's `model.LabelSet` computes it, so fingerprints and group
 * keys are the ones a real Alertmanager shows for the same alerts: FNV-1a 64 over the sorted names
 * and values, each followed by the 0xff separator, printed as 16 hex digits.
 */
export type LabelSet = Readonly<Record<string, string>>;

const encoder = new TextEncoder();

export function fingerprint(labels: LabelSet): string {
  // 64-bit FNV-1a in two 32-bit halves: the prime is 2^40 + 0x1b3, so h * prime = h * 0x1b3 + (h << 40).
  let hi = 0xcbf29ce4;
  let lo = 0x84222325;
  const add = (byte: number) => {
    lo = (lo ^ byte) >>> 0;
    const loMul = lo * 0x1b3;
    hi = (Math.imul(hi, 0x1b3) + (lo << 8) + Math.floor(loMul / 0x1_0000_0000)) >>> 0;
    lo = loMul >>> 0;
  };
  const addString = (text: string) => {
    // ASCII (nearly every label) is its own UTF-8; anything else goes through the encoder.
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c >= 0x80) {
        for (const byte of encoder.encode(text.slice(i))) add(byte);
        return;
      }
      add(c);
    }
  };
  for (const name of Object.keys(labels).sort()) {
    addString(name);
    add(0xff);
    addString(labels[name]!);
    add(0xff);
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** Go's `LabelSet.String()`: `{a="1", b="2"}`, pairs sorted. Part of every group key. */
export function labelSetString(labels: LabelSet): string {
  const pairs = Object.entries(labels).map(([name, value]) => `${name}=${goQuote(value)}`);
  return `{${pairs.sort().join(', ')}}`;
}

/** Go's `%q` for the printable strings labels hold. */
export function goQuote(value: string): string {
  return JSON.stringify(value).replace(/\\u([0-9a-f]{4})/g, (_m, hex: string) => `\\x${hex.slice(2)}`);
}

/** Prometheus's classic label-name syntax; `__`-prefixed names are reserved for internal use. */
export const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Label order Alertmanager uses inside a notification: by `job`, then `instance`, then the whole set. */
export function compareLabelSets(a: LabelSet, b: LabelSet): number {
  for (const key of ['job', 'instance']) {
    const av = a[key];
    const bv = b[key];
    if (av === undefined && bv === undefined) continue;
    if (av === undefined) return 1;
    if (bv === undefined) return -1;
    if (av !== bv) return av < bv ? -1 : 1;
  }
  // model.LabelSet.Before: the smaller set first, then over the union of names in order, a missing
  // name or a smaller value first.
  const an = Object.keys(a);
  const bn = Object.keys(b);
  if (an.length !== bn.length) return an.length - bn.length;
  for (const name of [...new Set([...an, ...bn])].sort()) {
    const av = a[name];
    const bv = b[name];
    if (av === undefined) return -1;
    if (bv === undefined) return 1;
    if (av !== bv) return av < bv ? -1 : 1;
  }
  return 0;
}
