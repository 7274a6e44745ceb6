/**
 * Alerts as the notifier holds them (Alertmanager's types.Alert and its in-memory provider):
 * validated on receipt, identified by the fingerprint of their labels, and merged with the alert
 * already held for that fingerprint when their activity ranges overlap, so an alert re-sent every
 * evaluation keeps its first `startsAt` and the latest deadline.
 */
import type { PostableAlert } from '../alerting/alert.js';
import { fingerprint, LABEL_NAME, type LabelSet } from './fingerprint.js';
import { parseTime } from './time.js';

export interface Alert {
  readonly fingerprint: string;
  readonly labels: LabelSet;
  readonly annotations: LabelSet;
  readonly startsAt: number;
  /** When the alert resolves (or resolved); for a firing alert, the deadline its sender keeps pushing. */
  readonly endsAt: number;
  readonly generatorURL: string;
  readonly updatedAt: number;
  /** endsAt came from resolve_timeout, not from the sender: a sender's explicit endsAt wins over it. */
  readonly timeout: boolean;
}

/** A posted alert as the API takes it: Alertmanager also accepts alerts without startsAt (now). */
export type IncomingAlert = Omit<PostableAlert, 'startsAt'> & { startsAt?: string };

export const isResolved = (alert: Alert, now: number): boolean => alert.endsAt <= now;

/** Converts and validates one posted alert as Alertmanager's API v2 does; an error string when invalid. */
export function toAlert(posted: IncomingAlert, now: number, resolveTimeoutMs: number): Alert | string {
  if (posted === null || typeof posted !== 'object') return 'alert must be an object';
  const labels = labelSet(posted.labels, 'label');
  if (typeof labels === 'string') return labels;
  const annotations = labelSet(posted.annotations ?? {}, 'annotation');
  if (typeof annotations === 'string') return annotations;
  if (Object.keys(labels).length === 0) return 'at least one label pair required';
  const time = (value: unknown, name: string): number | string | undefined => {
    if (value === undefined || value === null || value === '' || value === '0001-01-01T00:00:00Z')
      return undefined;
    if (typeof value !== 'string') return `${name} must be an RFC 3339 timestamp`;
    return parseTime(value) ?? `${name}: ${JSON.stringify(value)} is not an RFC 3339 timestamp`;
  };
  let startsAt = time(posted.startsAt, 'startsAt');
  let endsAt = time(posted.endsAt, 'endsAt');
  if (typeof startsAt === 'string') return startsAt;
  if (typeof endsAt === 'string') return endsAt;
  let timeout = false;
  startsAt ??= endsAt ?? now;
  if (endsAt === undefined) {
    timeout = true;
    endsAt = now + resolveTimeoutMs;
  }
  if (endsAt < startsAt) return 'start time must be before end time';
  if (posted.generatorURL !== undefined && typeof posted.generatorURL !== 'string')
    return 'generatorURL must be a string';
  return {
    fingerprint: fingerprint(labels),
    labels,
    annotations,
    startsAt,
    endsAt,
    generatorURL: posted.generatorURL ?? '',
    updatedAt: now,
    timeout,
  };
}

function labelSet(raw: unknown, kind: string): Record<string, string> | string {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return `${kind}s must be an object`;
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    if (!LABEL_NAME.test(name)) return `invalid ${kind} name ${JSON.stringify(name)}`;
    if (typeof value !== 'string') return `${kind} ${name}: value must be a string`;
    // Alertmanager drops empty label values (an empty label is no label); annotations keep them.
    if (value === '' && kind === 'label') continue;
    out[name] = value;
  }
  return out;
}

/** types.Alert.Merge: `b` is the newer. Earliest start wins; a sender's explicit end beats a timeout. */
export function mergeAlerts(a: Alert, b: Alert, now: number): Alert {
  if (b.updatedAt < a.updatedAt) return mergeAlerts(b, a, now);
  let { startsAt, endsAt } = b;
  if (a.startsAt < b.startsAt) startsAt = a.startsAt;
  if (isResolved(b, now)) {
    if (isResolved(a, now) && a.endsAt > b.endsAt) endsAt = a.endsAt;
  } else if (a.endsAt > b.endsAt && !a.timeout) {
    endsAt = a.endsAt;
  }
  return { ...b, startsAt, endsAt };
}

/** Alerts by fingerprint. */
export class AlertStore {
  private readonly alerts = new Map<string, Alert>();

  /** Stores `alert`, merged with the held one when their activity ranges overlap; returns what is held. */
  put(alert: Alert, now: number): Alert {
    const old = this.alerts.get(alert.fingerprint);
    let stored = alert;
    if (
      old &&
      ((alert.endsAt > old.startsAt && alert.endsAt < old.endsAt) ||
        (alert.startsAt > old.startsAt && alert.startsAt < old.endsAt))
    )
      stored = mergeAlerts(old, alert, now);
    this.alerts.set(alert.fingerprint, stored);
    return stored;
  }

  get(fp: string): Alert | undefined {
    return this.alerts.get(fp);
  }

  values(): IterableIterator<Alert> {
    return this.alerts.values();
  }

  get size(): number {
    return this.alerts.size;
  }

  /** Drops alerts resolved before `before` (Alertmanager's provider GC). */
  gc(before: number): Alert[] {
    const dropped: Alert[] = [];
    for (const [fp, alert] of this.alerts)
      if (alert.endsAt <= before) {
        this.alerts.delete(fp);
        dropped.push(alert);
      }
    return dropped;
  }
}
