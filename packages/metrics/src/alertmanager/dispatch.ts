/**
 * Aggregation groups (Alertmanager's dispatch/dispatch.go): each route that takes an alert puts it
 * in the group of its group_by labels. A new group waits group_wait before its first flush (not
 * if its alert started long enough ago), then flushes every group_interval; each flush hands the
 * group's current alerts to the notification pipeline. Resolved alerts leave the group after a
 * flush that notified successfully; an empty group is dropped, so a new alert with the same labels
 * starts a new group that waits group_wait again.
 */
import type { Alert } from './alerts.js';
import { type LabelSet, labelSetString } from './fingerprint.js';
import type { Route } from './route.js';

export class AggregationGroup {
  readonly alerts = new Map<string, Alert>();
  nextFlushAt: number;
  hasFlushed = false;
  /** A flush's notifications are being delivered (or retried): no other flush starts meanwhile. */
  busy = false;

  constructor(
    /** Route id and group labels: unique even where two routes share a group key. */
    readonly id: string,
    readonly route: Route,
    readonly labels: LabelSet,
    readonly key: string,
    now: number,
  ) {
    this.nextFlushAt = now + route.options.groupWaitMs;
  }

  insert(alert: Alert, now: number): void {
    this.alerts.set(alert.fingerprint, alert);
    // An alert that started more than group_wait ago has waited enough: flush now.
    if (!this.hasFlushed && alert.startsAt + this.route.options.groupWaitMs < now)
      this.nextFlushAt = Math.min(this.nextFlushAt, now);
  }

  /** Removes the given (resolved) alerts unless a newer version arrived while they were being notified. */
  deleteIfNotModified(alerts: readonly Alert[]): void {
    for (const alert of alerts)
      if (this.alerts.get(alert.fingerprint) === alert) this.alerts.delete(alert.fingerprint);
  }
}

export class Dispatcher {
  private readonly groups = new Map<string, AggregationGroup>();

  constructor(readonly root: Route) {}

  /** Puts the alert into the group of every route that takes it. */
  process(alert: Alert, now: number): void {
    for (const route of this.root.match(alert.labels)) {
      const labels = route.groupLabels(alert.labels);
      const id = `${route.id}\u0000${labelSetString(labels)}`;
      let group = this.groups.get(id);
      if (!group) {
        group = new AggregationGroup(id, route, labels, route.groupKey(labels), now);
        this.groups.set(id, group);
      }
      group.insert(alert, now);
    }
  }

  /** Groups whose flush is due and not already under way. */
  due(now: number): AggregationGroup[] {
    return [...this.groups.values()].filter((g) => !g.busy && g.nextFlushAt <= now);
  }

  /** When the next idle group is due. */
  nextFlush(): number | undefined {
    let next: number | undefined;
    for (const g of this.groups.values())
      if (!g.busy && (next === undefined || g.nextFlushAt < next)) next = g.nextFlushAt;
    return next;
  }

  dropIfEmpty(group: AggregationGroup): void {
    if (group.alerts.size === 0 && this.groups.get(group.id) === group) this.groups.delete(group.id);
  }

  list(): AggregationGroup[] {
    return [...this.groups.values()];
  }
}
