/**
 * Inhibition (Alertmanager's inhibit/inhibit.go): an alert matching a rule's target matchers is
 * muted while a firing alert matches its source matchers and has the same values for the `equal`
 * labels (both absent counts as equal). An alert matching both sides never inhibits another
 * alert that matches both sides, so a rule cannot make two alerts mute each other. Silenced
 * source alerts still inhibit, as in Alertmanager.
 *
 * Source alerts are indexed per rule by their `equal` values as they arrive, so asking whether an
 * alert is inhibited is a lookup, not a scan of every alert held.
 */
import type { InhibitRuleConfig } from './config.js';
import type { LabelSet } from './fingerprint.js';
import { matchesAll } from './matchers.js';

export interface InhibitSource {
  readonly fingerprint: string;
  readonly labels: LabelSet;
  readonly endsAt: number;
}

interface IndexedSource {
  fingerprint: string;
  endsAt: number;
  /** Also matches the rule's target side. */
  twoSided: boolean;
}

export class Inhibitor {
  /** Per rule: `equal` values → fingerprint → source alert. */
  private readonly sources: Map<string, Map<string, IndexedSource>>[];
  /** Per source fingerprint: its key in each rule it is a source of (for removal). */
  private readonly keys = new Map<string, (string | undefined)[]>();

  constructor(private readonly rules: readonly InhibitRuleConfig[]) {
    this.sources = rules.map(() => new Map());
  }

  /** Records the current version of an alert (call on every change). */
  update(alert: InhibitSource): void {
    this.remove(alert.fingerprint);
    let keys: (string | undefined)[] | undefined;
    this.rules.forEach((rule, i) => {
      if (!matchesAll(rule.sourceMatchers, alert.labels)) return;
      const key = equalKey(rule.equal, alert.labels);
      const bucket = this.sources[i]!.get(key) ?? new Map<string, IndexedSource>();
      bucket.set(alert.fingerprint, {
        fingerprint: alert.fingerprint,
        endsAt: alert.endsAt,
        twoSided: matchesAll(rule.targetMatchers, alert.labels),
      });
      this.sources[i]!.set(key, bucket);
      keys ??= [];
      keys[i] = key;
    });
    if (keys) this.keys.set(alert.fingerprint, keys);
  }

  remove(fingerprint: string): void {
    const keys = this.keys.get(fingerprint);
    if (!keys) return;
    keys.forEach((key, i) => {
      if (key === undefined) return;
      const bucket = this.sources[i]!.get(key)!;
      bucket.delete(fingerprint);
      if (bucket.size === 0) this.sources[i]!.delete(key);
    });
    this.keys.delete(fingerprint);
  }

  /** Fingerprints of the firing alerts that inhibit `labels` at `now` (sorted; empty when not inhibited). */
  mutes(labels: LabelSet, fingerprint: string, now: number): string[] {
    let by: Set<string> | undefined;
    this.rules.forEach((rule, i) => {
      if (!matchesAll(rule.targetMatchers, labels)) return;
      const bucket = this.sources[i]!.get(equalKey(rule.equal, labels));
      if (!bucket) return;
      const twoSided = matchesAll(rule.sourceMatchers, labels);
      for (const source of bucket.values()) {
        if (source.endsAt <= now || source.fingerprint === fingerprint || (twoSided && source.twoSided))
          continue;
        by ??= new Set();
        by.add(source.fingerprint);
      }
    });
    return by ? [...by].sort() : [];
  }
}

function equalKey(names: readonly string[], labels: LabelSet): string {
  // Length-prefixed, so no value can imitate a boundary between two others.
  let key = '';
  for (const n of names) {
    const v = labels[n] ?? '';
    key += `${v.length}:${v}`;
  }
  return key;
}
