/**
 * Inhibition (Alertmanager's inhibit/inhibit.go): an alert matching a rule's target matchers is
 * muted while a firing alert matches its source matchers and has the same values for the `equal`
 * labels (both absent counts as equal). An alert matching both sides never inhibits another
 * alert that matches both sides, so a rule cannot make two alerts mute each other. Silenced
 * source alerts still inhibit, as in Alertmanager.
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
  /** Also matches the rule's target side. */
  twoSided: boolean;
}

export class Inhibitor {
  constructor(private readonly rules: readonly InhibitRuleConfig[]) {}

  /**
   * The firing source alerts of every rule at `now`, indexed by their `equal` label values, so
   * each `mutes` question is a lookup instead of a scan of all alerts.
   */
  index(alerts: Iterable<InhibitSource>, now: number): InhibitionIndex {
    const perRule = this.rules.map(() => new Map<string, IndexedSource[]>());
    if (this.rules.length > 0)
      for (const alert of alerts) {
        if (alert.endsAt <= now) continue;
        this.rules.forEach((rule, i) => {
          if (!matchesAll(rule.sourceMatchers, alert.labels)) return;
          const key = equalKey(rule.equal, alert.labels);
          const list = perRule[i]!.get(key) ?? [];
          list.push({
            fingerprint: alert.fingerprint,
            twoSided: matchesAll(rule.targetMatchers, alert.labels),
          });
          perRule[i]!.set(key, list);
        });
      }
    return new InhibitionIndex(this.rules, perRule);
  }
}

export class InhibitionIndex {
  constructor(
    private readonly rules: readonly InhibitRuleConfig[],
    private readonly sources: Map<string, IndexedSource[]>[],
  ) {}

  /** Fingerprints of the firing alerts that inhibit `labels` (sorted; empty when not inhibited). */
  mutes(labels: LabelSet, fingerprint: string): string[] {
    const by = new Set<string>();
    this.rules.forEach((rule, i) => {
      if (!matchesAll(rule.targetMatchers, labels)) return;
      const twoSided = matchesAll(rule.sourceMatchers, labels);
      for (const source of this.sources[i]!.get(equalKey(rule.equal, labels)) ?? []) {
        if (source.fingerprint === fingerprint || (twoSided && source.twoSided)) continue;
        by.add(source.fingerprint);
      }
    });
    return [...by].sort();
  }
}

function equalKey(names: readonly string[], labels: LabelSet): string {
  return JSON.stringify(names.map((n) => labels[n] ?? ''));
}
