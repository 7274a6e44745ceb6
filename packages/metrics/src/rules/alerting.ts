/**
 * An alerting rule with Prometheus's semantics (rules/alerting.go): every element of the
 * expression's result is an alert, pending until it has been active for `for`, then firing;
 * once gone it keeps firing for `keep_firing_for`, then is resolved and kept 15 minutes so the
 * resolution is re-sent and a flapping expression does not start a fresh notification. The rule
 * writes `ALERTS{alertstate}` and `ALERTS_FOR_STATE` (the active-since time, which lets the `for`
 * timer survive a restart) for its pending and firing alerts.
 */
import { type Labels, labelsKey, labelsToRecord, METRIC_NAME, setLabel } from '../labels.js';
import { parseExpr } from '../promql/parse.js';
import type { AlertingRuleConfig } from './file.js';
import { type QueryFunc, Rule, type RuleSample } from './rule.js';
import type { TemplateData } from './template.js';

export type AlertState = 'inactive' | 'pending' | 'firing';

/** Resolved alerts are kept (and re-sent) this long, as Prometheus's resolvedRetention. */
export const RESOLVED_RETENTION_MS = 15 * 60_000;

export interface Alert {
  state: AlertState;
  /** Includes `alertname`; sorted. */
  labels: Labels;
  annotations: Record<string, string>;
  value: number;
  activeAt: number;
  firedAt?: number;
  resolvedAt?: number;
  lastSentAt?: number;
  validUntil?: number;
  keepFiringSince?: number;
}

/** Where alert templates are expanded: `$externalLabels` and `$externalURL`. */
export interface AlertContext {
  externalLabels: Record<string, string>;
  externalURL: string;
}

const STATE_ORDER: Record<AlertState, number> = { inactive: 0, pending: 1, firing: 2 };

export class AlertingRule extends Rule {
  readonly type = 'alerting';
  /** Active alerts by label set key, including resolved ones within their retention. */
  readonly active = new Map<string, Alert>();
  /**
   * False until the `for` state was restored after start-up: until then the rule writes no
   * ALERTS_FOR_STATE, which would overwrite the state being restored.
   */
  restored: boolean;

  constructor(
    readonly config: AlertingRuleConfig,
    private readonly context: AlertContext,
    restored = true,
  ) {
    super();
    this.restored = restored;
  }

  get holdDurationMs(): number {
    return this.config.forMs;
  }

  /** The rule's state: the most advanced of its alerts'. */
  get state(): AlertState {
    let state: AlertState = 'inactive';
    for (const a of this.active.values()) if (STATE_ORDER[a.state] > STATE_ORDER[state]) state = a.state;
    return state;
  }

  /** Pending and firing alerts (not the resolved ones still kept). */
  activeAlerts(): Alert[] {
    return [...this.active.values()].filter((a) => a.state !== 'inactive');
  }

  eval(ts: number, queryOffsetMs: number, query: QueryFunc, limit: number): RuleSample[] {
    const t = ts - queryOffsetMs;
    const result = query(this.config.expr, t);
    const current = new Map<string, Alert>();
    for (const sample of result) {
      const data: TemplateData = {
        labels: labelsToRecord(sample.labels),
        externalLabels: this.context.externalLabels,
        externalURL: this.context.externalURL,
        value: sample.v,
        // `{{ query "…" }}` runs at the evaluation time, as in Prometheus.
        query: (text) =>
          query(parseExpr(text), ts).map((s) => ({ Labels: labelsToRecord(s.labels), Value: s.v })),
      };
      let labels = setLabel(sample.labels, METRIC_NAME, '');
      for (const [name, template] of Object.entries(this.config.labelTemplates))
        labels = setLabel(labels, name, expand(template.expand.bind(template), data));
      labels = setLabel(labels, 'alertname', this.config.name);
      const annotations: Record<string, string> = {};
      for (const [name, template] of Object.entries(this.config.annotationTemplates))
        annotations[name] = expand(template.expand.bind(template), data);
      const key = labelsKey(labels);
      if (current.has(key))
        throw new Error('vector contains metrics with the same labelset after applying alert labels');
      current.set(key, { state: 'pending', labels, annotations, value: sample.v, activeAt: ts });
    }

    for (const [key, alert] of current) {
      const existing = this.active.get(key);
      // An alert already pending or firing keeps its activeAt; a resolved one starts over.
      if (existing && existing.state !== 'inactive') {
        existing.value = alert.value;
        existing.annotations = alert.annotations;
        continue;
      }
      this.active.set(key, alert);
    }

    const out: RuleSample[] = [];
    let activeCount = 0;
    const keepFiringFor = this.config.keepFiringForMs;
    for (const [key, a] of this.active) {
      if (!current.has(key)) {
        let keepFiring = false;
        if (a.state === 'firing' && keepFiringFor > 0) {
          a.keepFiringSince ??= ts;
          keepFiring = ts - a.keepFiringSince < keepFiringFor;
        }
        // Pending alerts that vanish are forgotten; resolved ones once their retention is over.
        if (
          a.state === 'pending' ||
          (a.resolvedAt !== undefined && ts - a.resolvedAt > RESOLVED_RETENTION_MS)
        )
          this.active.delete(key);
        if (a.state !== 'inactive' && !keepFiring) {
          a.state = 'inactive';
          a.resolvedAt = ts;
        }
        if (!keepFiring) continue;
      } else {
        a.keepFiringSince = undefined;
      }
      activeCount++;
      if (a.state === 'pending' && ts - a.activeAt >= this.config.forMs) {
        a.state = 'firing';
        a.firedAt = ts;
      }
      if (this.restored) {
        out.push({ labels: this.seriesLabels(a, 'ALERTS', a.state), t, v: 1 });
        out.push({ labels: this.seriesLabels(a, 'ALERTS_FOR_STATE'), t, v: Math.floor(a.activeAt / 1000) });
      }
    }
    if (limit > 0 && activeCount > limit) {
      this.active.clear();
      throw new Error(`exceeded limit of ${limit} with ${activeCount} alerts`);
    }
    return out;
  }

  private seriesLabels(alert: Alert, metric: 'ALERTS' | 'ALERTS_FOR_STATE', state?: AlertState): Labels {
    let labels = setLabel(alert.labels, METRIC_NAME, metric);
    if (state) labels = setLabel(labels, 'alertstate', state);
    return labels;
  }

  /**
   * Alerts due to be sent at `ts` (Prometheus's needsSending): firing ones every `resendDelay`,
   * resolved ones at once and then every `resendDelay` while kept; never pending ones. Each sent
   * alert's deadline (validUntil) moves to ts + 4 × max(resendDelay, interval).
   */
  alertsToSend(ts: number, resendDelayMs: number, intervalMs: number): Alert[] {
    const out: Alert[] = [];
    for (const a of this.active.values()) {
      if (a.state === 'pending') continue;
      const resolvedSinceSent =
        a.resolvedAt !== undefined && (a.lastSentAt === undefined || a.resolvedAt > a.lastSentAt);
      const due = a.lastSentAt === undefined || a.lastSentAt + resendDelayMs < ts;
      if (!resolvedSinceSent && !due) continue;
      a.lastSentAt = ts;
      a.validUntil = ts + 4 * Math.max(resendDelayMs, intervalMs);
      out.push({ ...a, annotations: { ...a.annotations } });
    }
    return out;
  }

  /** Static labels that select this rule's ALERTS_FOR_STATE series (Prometheus's QueryForStateSeries). */
  forStateSelector(): Record<string, string> {
    const out: Record<string, string> = { ...this.config.labels, alertname: this.config.name };
    // Templated label values are not known before expansion: they cannot narrow the selection.
    for (const [name, value] of Object.entries(out)) if (value.includes('{{')) delete out[name];
    return out;
  }
}

function expand(run: (data: TemplateData) => string, data: TemplateData): string {
  try {
    return run(data);
  } catch (error) {
    return `<error expanding template: ${(error as Error).message}>`;
  }
}
