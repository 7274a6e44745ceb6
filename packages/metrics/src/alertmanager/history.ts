/**
 * Alert history: every state change of an alert (firing, suppressed, active again, resolved) and
 * every notification attempt's outcome, queryable by time range, kind and label matchers. Bounded
 * by count and age; persisted as an append-only JSON Lines file that is rewritten (atomically)
 * once it holds twice the bound, so it survives restarts without growing without limit.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { LabelSet } from './fingerprint.js';
import { type Matcher, matchesAll } from './matchers.js';
import { writeFileAtomic } from './snapshot.js';

export type AlertState = 'firing' | 'suppressed' | 'resolved';

export interface AlertEvent {
  kind: 'alert';
  at: number;
  fingerprint: string;
  labels: LabelSet;
  state: AlertState;
  /** The state before this change; absent for an alert seen for the first time. */
  previous?: AlertState;
  silencedBy: string[];
  inhibitedBy: string[];
}

export interface NotificationEvent {
  kind: 'notification';
  at: number;
  receiver: string;
  integration: string;
  groupKey: string;
  status: 'firing' | 'resolved';
  alerts: { fingerprint: string; status: 'firing' | 'resolved'; labels: LabelSet }[];
  outcome: 'sent' | 'failed';
  attempts: number;
  error?: string;
}

export interface SilenceEvent {
  kind: 'silence';
  at: number;
  silenceID: string;
  action: 'created' | 'updated' | 'expired';
  createdBy: string;
}

export type HistoryEvent = AlertEvent | NotificationEvent | SilenceEvent;

export interface HistoryQuery {
  start?: number;
  end?: number;
  kinds?: readonly HistoryEvent['kind'][];
  /** Alert events whose labels match; notifications with at least one matching alert. */
  matchers?: readonly Matcher[];
  limit?: number;
}

export interface HistoryOptions {
  file?: string;
  /** Default 10,000 events. */
  maxEvents?: number;
  /** Default 7 days. */
  retentionMs?: number;
}

export class History {
  private events: HistoryEvent[] = [];
  private readonly maxEvents: number;
  private readonly retentionMs: number;
  private linesInFile = 0;

  constructor(private readonly options: HistoryOptions = {}) {
    this.maxEvents = options.maxEvents ?? 10_000;
    this.retentionMs = options.retentionMs ?? 7 * 86_400_000;
    if (options.file) this.load(options.file);
  }

  private load(file: string): void {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw error;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      this.linesInFile++;
      try {
        this.events.push(JSON.parse(line) as HistoryEvent);
      } catch {
        // A line torn by a crash mid-append: the events before it are intact.
      }
    }
    if (this.events.length > this.maxEvents) this.events = this.events.slice(-this.maxEvents);
  }

  record(event: HistoryEvent): void {
    this.events.push(event);
    if (this.events.length > this.maxEvents) this.events.splice(0, this.events.length - this.maxEvents);
    if (!this.options.file) return;
    if (this.linesInFile >= 2 * this.maxEvents) this.rewrite();
    else {
      appendFileSync(this.options.file, `${JSON.stringify(event)}\n`);
      this.linesInFile++;
    }
  }

  /** Drops events older than the retention. */
  gc(now: number): void {
    const cutoff = now - this.retentionMs;
    const keep = this.events.findIndex((e) => e.at >= cutoff);
    if (keep === 0) return;
    this.events = keep === -1 ? [] : this.events.slice(keep);
    if (this.options.file) this.rewrite();
  }

  private rewrite(): void {
    const file = this.options.file!;
    writeFileAtomic(file, this.events.map((e) => `${JSON.stringify(e)}\n`).join(''));
    this.linesInFile = this.events.length;
  }

  /** Matching events, oldest first; with a limit, the newest `limit` of them. */
  query(q: HistoryQuery = {}): HistoryEvent[] {
    const out = this.events.filter((e) => {
      if (q.start !== undefined && e.at < q.start) return false;
      if (q.end !== undefined && e.at > q.end) return false;
      if (q.kinds && q.kinds.length > 0 && !q.kinds.includes(e.kind)) return false;
      if (q.matchers && q.matchers.length > 0) {
        if (e.kind === 'alert') return matchesAll(q.matchers, e.labels);
        if (e.kind === 'notification') return e.alerts.some((a) => matchesAll(q.matchers!, a.labels));
        return false;
      }
      return true;
    });
    return q.limit !== undefined && out.length > q.limit ? out.slice(-q.limit) : out;
  }
}
