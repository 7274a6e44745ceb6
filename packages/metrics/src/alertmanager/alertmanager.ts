/**
 * Parley's notifier: an Alertmanager. Alerts arrive through `send` (the AlertSink the rule
 * evaluator calls) or the HTTP API, are merged by fingerprint, routed into aggregation groups,
 * and each group flush goes through the notification pipeline: mute (inhibition, then silences),
 * de-duplicate against the notification log, deliver to each webhook of the group's receiver with
 * retries, log. Time only moves through the injected clock: `tick()` does whatever is due at
 * `clock.now()`, so tests drive it step by step; `start()` calls it on timers in production.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, createLogger, type Logger, systemClock } from '@parley/kit';
import type { AlertSink, PostableAlert } from '../alerting/alert.js';
import { type Alert, AlertStore, type IncomingAlert, isResolved, toAlert } from './alerts.js';
import type { AlertmanagerConfig, ReceiverConfig, WebhookConfig } from './config.js';
import { type AggregationGroup, Dispatcher } from './dispatch.js';
import type { LabelSet } from './fingerprint.js';
import { type AlertState, History, type HistoryEvent, type HistoryQuery } from './history.js';
import { Inhibitor } from './inhibit.js';
import { type Matcher, matchesAll } from './matchers.js';
import { NotificationLog, needsUpdate } from './nflog.js';
import { Route } from './route.js';
import { type PostableSilence, type Silence, Silences } from './silences.js';
import {
  buildMessage,
  type FetchLike,
  type NotifiedAlert,
  postWebhook,
  type SendResult,
  sortAlerts,
  type WebhookMessage,
} from './webhook.js';

export interface AlertmanagerOptions {
  config: AlertmanagerConfig;
  /** Silences, notification log and history are kept here; absent: memory only. */
  dataDir?: string;
  clock?: Clock;
  logger?: Logger;
  /** HTTP client for webhooks (tests, proxies); default the global fetch. */
  fetch?: FetchLike;
  /** Alertmanager's --web.external-url: `externalURL` in every webhook message. */
  externalURL?: string;
  /** How long expired silences and notification-log entries are kept. Default 120h. */
  retentionMs?: number;
  history?: { maxEvents?: number; retentionMs?: number };
  /** Backoff between webhook attempts: initial, ×multiplier per attempt, capped. Default 500 ms, 1.5, 60 s. */
  retry?: { initialMs?: number; multiplier?: number; maxMs?: number };
  /** Resolved alerts are forgotten this long after they resolved. Default 30 min. */
  resolvedRetentionMs?: number;
  /** At most this many alerts held; new ones beyond are refused (a runaway sender cannot exhaust memory). Default 100,000. */
  maxAlerts?: number;
  /** With `start()`: the longest sleep between ticks. Default 1 s. */
  maxTickIntervalMs?: number;
}

export interface AlertStatus {
  state: 'active' | 'suppressed';
  silencedBy: string[];
  inhibitedBy: string[];
  mutedBy: string[];
}

export interface AlertFilter {
  /** Include alerts that are neither silenced nor inhibited. Default true. */
  active?: boolean;
  silenced?: boolean;
  inhibited?: boolean;
  matchers?: readonly Matcher[];
  /** Only alerts routed to a receiver whose name matches (anchored). */
  receiver?: RegExp;
}

export interface AlertView {
  alert: Alert;
  status: AlertStatus;
  receivers: string[];
}

export interface GroupView {
  labels: LabelSet;
  receiver: string;
  groupKey: string;
  alerts: AlertView[];
}

interface Delivery {
  group: AggregationGroup;
  flush: FlushState;
  receiver: string;
  integration: string;
  config: WebhookConfig;
  message: WebhookMessage;
  alerts: NotifiedAlert[];
  firing: string[];
  resolved: string[];
  attempts: number;
  nextAttemptAt: number;
  deadline: number;
  inFlight: boolean;
}

interface FlushState {
  remaining: number;
  ok: boolean;
  resolved: Alert[];
}

interface TrackedState {
  state: AlertState;
  silencedBy: string[];
  inhibitedBy: string[];
}

const USER_AGENT = 'Parley-Alertmanager/0.1';
const MAINTENANCE_INTERVAL_MS = 15 * 60_000;

export class Alertmanager implements AlertSink {
  private config: AlertmanagerConfig;
  private receivers: Map<string, ReceiverConfig>;
  private dispatcher: Dispatcher;
  private inhibitor: Inhibitor;
  private readonly store = new AlertStore();
  readonly silences: Silences;
  private readonly nflog: NotificationLog;
  private readonly historyLog: History;
  private readonly deliveries = new Set<Delivery>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly tracked = new Map<string, TrackedState>();
  private readonly clock: Clock;
  private readonly logger: Logger;
  private readonly fetchImpl: FetchLike;
  private readonly externalURL: string;
  private readonly retry: { initialMs: number; multiplier: number; maxMs: number };
  private readonly resolvedRetentionMs: number;
  private readonly maxTickIntervalMs: number;
  private readonly maxAlerts: number;
  private lastMaintenance = Number.NEGATIVE_INFINITY;
  private statesDirty = true;
  private nextStateChangeAt = Number.NEGATIVE_INFINITY;
  private lastRefreshAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private readonly startedAt: number;

  constructor(options: AlertmanagerOptions) {
    this.config = options.config;
    this.receivers = new Map(options.config.receivers.map((r) => [r.name, r]));
    this.dispatcher = new Dispatcher(new Route(options.config.route));
    this.inhibitor = new Inhibitor(options.config.inhibitRules);
    this.clock = options.clock ?? systemClock;
    this.startedAt = this.clock.now();
    this.logger = options.logger ?? createLogger({ level: 'silent' });
    this.fetchImpl = options.fetch ?? ((url, init) => fetch(url, init));
    this.externalURL = options.externalURL ?? '';
    this.retry = { initialMs: 500, multiplier: 1.5, maxMs: 60_000, ...options.retry };
    this.resolvedRetentionMs = options.resolvedRetentionMs ?? 30 * 60_000;
    this.maxTickIntervalMs = options.maxTickIntervalMs ?? 1000;
    this.maxAlerts = options.maxAlerts ?? 100_000;
    const dir = options.dataDir;
    if (dir) mkdirSync(dir, { recursive: true });
    const file = (name: string) => (dir ? join(dir, name) : undefined);
    this.silences = new Silences({ file: file('silences.json'), retentionMs: options.retentionMs });
    this.nflog = new NotificationLog({
      file: file('nflog.json'),
      retentionMs: options.retentionMs,
      onError: (error) => this.logger.error({ err: error }, 'alertmanager: notification log snapshot failed'),
    });
    this.historyLog = new History({ file: file('history.jsonl'), ...options.history });
  }

  /** The AlertSink side: alerts from the rule evaluator. Invalid ones are logged and dropped. */
  send(alerts: readonly PostableAlert[]): void {
    const { errors } = this.receive(alerts);
    if (errors.length > 0) this.logger.warn({ errors }, 'alertmanager: invalid alerts dropped');
  }

  /** Validates and takes alerts (best effort: the valid ones are kept); the errors say which were not. */
  receive(alerts: readonly IncomingAlert[]): { accepted: number; errors: string[] } {
    const now = this.clock.now();
    const errors: string[] = [];
    const received: Alert[] = [];
    let accepted = 0;
    alerts.forEach((posted, i) => {
      const alert = toAlert(posted, now, this.config.global.resolveTimeoutMs);
      if (typeof alert === 'string') {
        errors.push(`alerts[${i}]: ${alert}`);
        return;
      }
      if (this.store.size >= this.maxAlerts && !this.store.get(alert.fingerprint)) {
        errors.push(`alerts[${i}]: too many alerts held (limit ${this.maxAlerts})`);
        return;
      }
      const stored = this.store.put(alert, now);
      this.inhibitor.update(stored);
      this.dispatcher.process(stored, now);
      received.push(stored);
      accepted++;
    });
    if (accepted > 0) {
      // Only the alerts received: what they change for others (inhibition) is recorded at the next tick.
      this.refreshStates(now, received);
      this.statesDirty = true;
      this.schedule();
    }
    return { accepted, errors };
  }

  /** Does everything due at `clock.now()`; resolves when the deliveries it started have finished. */
  tick(): Promise<void> {
    const now = this.clock.now();
    // Retries first: a delivery that gives up frees its group for the flush due at the same time.
    const attempts: Promise<void>[] = [];
    for (const d of [...this.deliveries])
      if (!d.inFlight && d.nextAttemptAt <= now) attempts.push(this.attempt(d));
    for (const group of this.dispatcher.due(now)) attempts.push(...this.flush(group, now));
    this.refreshAll(now);
    if (now - this.lastMaintenance >= MAINTENANCE_INTERVAL_MS) this.maintain(now);
    return Promise.all(attempts).then(() => undefined);
  }

  /** Ticks on timers, at each group's flush time and each retry (production). */
  start(): void {
    this.running = true;
    this.schedule();
  }

  /** Stops the timers and waits for webhook requests under way. Pending retries are abandoned (not logged as sent). */
  async close(): Promise<void> {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await Promise.allSettled([...this.inFlight]);
    this.nflog.flush();
  }

  /** Replaces the configuration (a reload): alerts are routed again into new groups; the notification log keeps them from being re-sent. */
  applyConfig(config: AlertmanagerConfig): void {
    this.config = config;
    this.receivers = new Map(config.receivers.map((r) => [r.name, r]));
    this.inhibitor = new Inhibitor(config.inhibitRules);
    this.dispatcher = new Dispatcher(new Route(config.route));
    const now = this.clock.now();
    for (const alert of this.store.values()) {
      this.inhibitor.update(alert);
      this.dispatcher.process(alert, now);
    }
    this.refreshAll(now, true);
    this.schedule();
  }

  private schedule(): void {
    if (!this.running) return;
    if (this.timer) clearTimeout(this.timer);
    const now = this.clock.now();
    let next = this.dispatcher.nextFlush();
    for (const d of this.deliveries)
      if (!d.inFlight && (next === undefined || d.nextAttemptAt < next)) next = d.nextAttemptAt;
    const delay = Math.max(
      0,
      Math.min(next === undefined ? this.maxTickIntervalMs : next - now, this.maxTickIntervalMs),
    );
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.tick().catch((error: unknown) => this.logger.error({ err: error }, 'alertmanager tick failed'));
      this.schedule();
    }, delay);
    this.timer.unref();
  }

  // ---------------------------------------------------------------- notification pipeline

  private flush(group: AggregationGroup, now: number): Promise<void>[] {
    group.hasFlushed = true;
    group.nextFlushAt = now + group.route.options.groupIntervalMs;
    const snapshot = [...group.alerts.values()];
    const resolvedRefs = snapshot.filter((a) => isResolved(a, now));
    // Mute stage: inhibited or silenced alerts are not notified, firing or resolved.
    const notified = sortAlerts(
      snapshot
        .filter(
          (a) =>
            this.inhibitor.mutes(a.labels, a.fingerprint, now).length === 0 &&
            this.silences.mutes(a.labels, now, a.fingerprint).length === 0,
        )
        .map(
          (a): NotifiedAlert => ({
            fingerprint: a.fingerprint,
            labels: a.labels,
            annotations: a.annotations,
            startsAt: a.startsAt,
            endsAt: a.endsAt,
            generatorURL: a.generatorURL,
            status: isResolved(a, now) ? 'resolved' : 'firing',
          }),
        ),
    );
    const flush: FlushState = { remaining: 0, ok: true, resolved: resolvedRefs };
    const receiver = this.receivers.get(group.route.options.receiver);
    const started: Promise<void>[] = [];
    if (notified.length > 0 && receiver) {
      const firing = new Set(notified.filter((a) => a.status === 'firing').map((a) => a.fingerprint));
      const resolved = new Set(notified.filter((a) => a.status === 'resolved').map((a) => a.fingerprint));
      receiver.webhookConfigs.forEach((config, index) => {
        const integration = `${receiver.name}/webhook/${index}`;
        const entry = this.nflog.get(group.key, integration);
        if (
          !needsUpdate(
            entry,
            firing,
            resolved,
            config.sendResolved,
            group.route.options.repeatIntervalMs,
            now,
          )
        )
          return;
        const alerts = config.sendResolved ? notified : notified.filter((a) => a.status === 'firing');
        // Only resolved alerts and no resolved notifications: nothing to send, but the log must
        // learn that nothing is firing any more, or the next firing alert would look unchanged.
        if (alerts.length === 0) {
          this.nflog.log(group.key, integration, [...firing], [...resolved], now);
          return;
        }
        const delivery: Delivery = {
          group,
          flush,
          receiver: receiver.name,
          integration,
          config,
          alerts,
          message: buildMessage(alerts, {
            receiver: receiver.name,
            groupKey: group.key,
            groupLabels: group.labels,
            externalURL: this.externalURL,
            maxAlerts: config.maxAlerts,
          }),
          firing: [...firing],
          resolved: [...resolved],
          attempts: 0,
          nextAttemptAt: now,
          // Alertmanager bounds a flush's retries by the group interval: the next flush takes over.
          deadline: now + group.route.options.groupIntervalMs,
          inFlight: false,
        };
        flush.remaining++;
        this.deliveries.add(delivery);
        started.push(this.attempt(delivery));
      });
    }
    if (flush.remaining === 0) this.finishFlush(group, flush);
    else group.busy = true;
    return started;
  }

  private attempt(d: Delivery): Promise<void> {
    d.inFlight = true;
    d.attempts++;
    const p = postWebhook(d.config, d.message, this.fetchImpl, USER_AGENT).then((result) => {
      d.inFlight = false;
      try {
        this.settle(d, result);
      } catch (error) {
        // Bookkeeping failed (e.g. the disk is full): never leave the group busy forever.
        this.logger.error(
          { err: error, groupKey: d.group.key },
          'alertmanager: recording a notification failed',
        );
        if (this.deliveries.has(d)) this.finishDelivery(d, false);
      }
    });
    this.inFlight.add(p);
    return p.finally(() => this.inFlight.delete(p));
  }

  private settle(d: Delivery, result: SendResult): void {
    const now = this.clock.now();
    if (result.ok) {
      this.nflog.log(d.group.key, d.integration, d.firing, d.resolved, now);
      this.recordNotification(d, now, 'sent');
      this.finishDelivery(d, true);
      return;
    }
    const backoff = Math.min(
      this.retry.initialMs * this.retry.multiplier ** (d.attempts - 1),
      this.retry.maxMs,
    );
    if (result.retry && now + backoff < d.deadline) {
      d.nextAttemptAt = now + backoff;
      this.logger.warn(
        { receiver: d.integration, groupKey: d.group.key, attempt: d.attempts, error: result.error },
        'alertmanager: notify attempt failed, retrying',
      );
      this.schedule();
      return;
    }
    this.logger.error(
      { receiver: d.integration, groupKey: d.group.key, attempts: d.attempts, error: result.error },
      'alertmanager: notify failed',
    );
    this.recordNotification(d, now, 'failed', result.error);
    this.finishDelivery(d, false);
  }

  private finishDelivery(d: Delivery, ok: boolean): void {
    this.deliveries.delete(d);
    d.flush.ok &&= ok;
    if (--d.flush.remaining === 0) this.finishFlush(d.group, d.flush);
  }

  private finishFlush(group: AggregationGroup, flush: FlushState): void {
    group.busy = false;
    // Resolved alerts leave the group once they were notified (or needed no notification);
    // after a failure they stay, so the next flush tells the receiver again.
    if (flush.ok) {
      group.deleteIfNotModified(flush.resolved);
      this.dispatcher.dropIfEmpty(group);
    }
    this.schedule();
  }

  private recordNotification(d: Delivery, now: number, outcome: 'sent' | 'failed', error?: string): void {
    this.historyLog.record({
      kind: 'notification',
      at: now,
      receiver: d.receiver,
      integration: d.integration,
      groupKey: d.group.key,
      status: d.message.status,
      alerts: d.alerts.map((a) => ({ fingerprint: a.fingerprint, status: a.status, labels: a.labels })),
      outcome,
      attempts: d.attempts,
      ...(error === undefined ? {} : { error }),
    });
  }

  // ---------------------------------------------------------------- state, history, maintenance

  /** Records every alert whose state (firing, suppressed and by what, resolved) changed. */
  private refreshStates(now: number, alerts: Iterable<Alert> = this.store.values()): number {
    let nextEnd = Number.POSITIVE_INFINITY;
    for (const alert of alerts) {
      const resolved = isResolved(alert, now);
      if (!resolved && alert.endsAt < nextEnd) nextEnd = alert.endsAt;
      const silencedBy = resolved ? [] : this.silences.mutes(alert.labels, now, alert.fingerprint);
      const inhibitedBy = resolved ? [] : this.inhibitor.mutes(alert.labels, alert.fingerprint, now);
      const state: AlertState = resolved
        ? 'resolved'
        : silencedBy.length + inhibitedBy.length > 0
          ? 'suppressed'
          : 'firing';
      const before = this.tracked.get(alert.fingerprint);
      if (
        before &&
        before.state === state &&
        sameList(before.silencedBy, silencedBy) &&
        sameList(before.inhibitedBy, inhibitedBy)
      )
        continue;
      // An alert seen for the first time already resolved was never firing here: nothing to record.
      if (!before && state === 'resolved') {
        this.tracked.set(alert.fingerprint, { state, silencedBy, inhibitedBy });
        continue;
      }
      this.tracked.set(alert.fingerprint, { state, silencedBy, inhibitedBy });
      this.historyLog.record({
        kind: 'alert',
        at: state === 'resolved' ? Math.min(alert.endsAt, now) : now,
        fingerprint: alert.fingerprint,
        labels: alert.labels,
        state,
        ...(before ? { previous: before.state } : {}),
        silencedBy,
        inhibitedBy,
      });
    }
    return nextEnd;
  }

  /**
   * Re-checks every alert, but only when a state may have changed since the last check: alerts
   * arrived (their inhibition of others), silences or the configuration changed, an alert's end
   * or a silence's start or end has come. An idle tick costs nothing per alert.
   */
  private refreshAll(now: number, force = false): void {
    if (!force && !this.statesDirty && now < this.nextStateChangeAt && now >= this.lastRefreshAt) return;
    const nextEnd = this.refreshStates(now);
    this.nextStateChangeAt = Math.min(nextEnd, this.silences.nextChange(now) ?? Number.POSITIVE_INFINITY);
    this.statesDirty = false;
    this.lastRefreshAt = now;
  }

  private maintain(now: number): void {
    this.lastMaintenance = now;
    for (const alert of this.store.gc(now - this.resolvedRetentionMs)) {
      this.tracked.delete(alert.fingerprint);
      this.inhibitor.remove(alert.fingerprint);
    }
    this.silences.gc(now);
    this.nflog.gc(now);
    this.historyLog.gc(now);
  }

  // ---------------------------------------------------------------- queries (the API's)

  status(alert: Alert, now = this.clock.now()): AlertStatus {
    const silencedBy = this.silences.mutes(alert.labels, now, alert.fingerprint);
    const inhibitedBy = this.inhibitor.mutes(alert.labels, alert.fingerprint, now);
    return {
      state: silencedBy.length + inhibitedBy.length > 0 ? 'suppressed' : 'active',
      silencedBy,
      inhibitedBy,
      mutedBy: [],
    };
  }

  /** Current (unresolved) alerts, by fingerprint. */
  alerts(filter: AlertFilter = {}): AlertView[] {
    const now = this.clock.now();
    const out: AlertView[] = [];
    for (const alert of this.store.values()) {
      const view = this.view(alert, now, filter);
      if (view) out.push(view);
    }
    return out.sort((a, b) => (a.alert.fingerprint < b.alert.fingerprint ? -1 : 1));
  }

  /** Aggregation groups with their current alerts that pass the filter; groups left empty are omitted. */
  groups(filter: AlertFilter = {}): GroupView[] {
    const now = this.clock.now();
    const out: GroupView[] = [];
    for (const group of this.dispatcher.list()) {
      const receiver = group.route.options.receiver;
      if (filter.receiver && !filter.receiver.test(receiver)) continue;
      const alerts: AlertView[] = [];
      for (const alert of group.alerts.values()) {
        const view = this.view(alert, now, { ...filter, receiver: undefined });
        if (view) alerts.push(view);
      }
      if (alerts.length === 0) continue;
      out.push({
        labels: group.labels,
        receiver,
        groupKey: group.key,
        alerts: sortAlerts(alerts.map((v) => ({ ...v, labels: v.alert.labels }))),
      });
    }
    return out.sort((a, b) =>
      a.groupKey < b.groupKey ? -1 : a.groupKey > b.groupKey ? 1 : a.receiver < b.receiver ? -1 : 1,
    );
  }

  private view(alert: Alert, now: number, filter: AlertFilter): AlertView | undefined {
    if (isResolved(alert, now)) return undefined;
    if (filter.matchers && !matchesAll(filter.matchers, alert.labels)) return undefined;
    const receivers = [...new Set(this.dispatcher.root.match(alert.labels).map((r) => r.options.receiver))];
    if (filter.receiver && !receivers.some((r) => filter.receiver!.test(r))) return undefined;
    const status = this.status(alert, now);
    if (filter.active === false && status.state === 'active') return undefined;
    if (filter.silenced === false && status.silencedBy.length > 0) return undefined;
    if (filter.inhibited === false && status.inhibitedBy.length > 0) return undefined;
    return { alert, status, receivers };
  }

  history(query: HistoryQuery = {}): HistoryEvent[] {
    return this.historyLog.query(query);
  }

  // ---------------------------------------------------------------- silences (recorded in the history)

  setSilence(silence: PostableSilence): string {
    const now = this.clock.now();
    const id = this.silences.set(silence, now);
    const created = id !== silence.id;
    if (!created) this.recordSilence(id, 'updated', silence.createdBy, now);
    else {
      if (silence.id) this.recordSilence(silence.id, 'expired', silence.createdBy, now);
      this.recordSilence(id, 'created', silence.createdBy, now);
    }
    this.refreshAll(now, true);
    return id;
  }

  expireSilence(id: string): void {
    const now = this.clock.now();
    this.silences.expire(id, now);
    this.recordSilence(id, 'expired', this.silences.get(id)!.createdBy, now);
    this.refreshAll(now, true);
  }

  getSilence(id: string): Silence | undefined {
    return this.silences.get(id);
  }

  listSilences(filter: readonly Matcher[] = []): Silence[] {
    return this.silences.query(filter);
  }

  now(): number {
    return this.clock.now();
  }

  /** The configuration as loaded (secrets redacted) and when this notifier started. */
  get info(): { original: string; startedAt: number } {
    return { original: this.config.original ?? '', startedAt: this.startedAt };
  }

  get receiverNames(): string[] {
    return [...this.receivers.keys()];
  }

  private recordSilence(
    id: string,
    action: 'created' | 'updated' | 'expired',
    createdBy: string,
    now: number,
  ): void {
    this.historyLog.record({ kind: 'silence', at: now, silenceID: id, action, createdBy });
  }
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
