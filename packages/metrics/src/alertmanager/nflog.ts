/**
 * The notification log (Alertmanager's nflog): per aggregation group and receiver integration,
 * which alerts were firing and which resolved at the last successful notification, and when. The
 * dedup stage compares a flush against it, so an unchanged group is not re-sent before
 * repeat_interval, also across a restart (the log is snapshotted to disk).
 */
import { readSnapshot, writeSnapshot } from './snapshot.js';

export interface NflogEntry {
  groupKey: string;
  /** `<receiver>/webhook/<index>`: one entry per integration of a receiver. */
  integration: string;
  firing: string[];
  resolved: string[];
  timestamp: number;
  expiresAt: number;
}

export interface NotificationLogOptions {
  file?: string;
  /** Entries are forgotten this long after they were written. Default 120h. */
  retentionMs?: number;
  /** A deferred snapshot write failed. */
  onError?: (error: unknown) => void;
}

export class NotificationLog {
  private readonly entries = new Map<string, NflogEntry>();
  private readonly retentionMs: number;
  private pending: NodeJS.Immediate | undefined;

  constructor(private readonly options: NotificationLogOptions = {}) {
    this.retentionMs = options.retentionMs ?? 120 * 3_600_000;
    const snapshot = options.file ? readSnapshot(options.file) : undefined;
    if (snapshot !== undefined)
      for (const entry of (snapshot as { entries: NflogEntry[] }).entries)
        this.entries.set(key(entry.groupKey, entry.integration), entry);
  }

  get(groupKey: string, integration: string): NflogEntry | undefined {
    return this.entries.get(key(groupKey, integration));
  }

  log(groupKey: string, integration: string, firing: string[], resolved: string[], now: number): void {
    this.entries.set(key(groupKey, integration), {
      groupKey,
      integration,
      firing: [...firing].sort(),
      resolved: [...resolved].sort(),
      timestamp: now,
      expiresAt: now + this.retentionMs,
    });
    // Notifications finishing together (a tick flushing many groups) share one snapshot write.
    if (this.options.file && !this.pending) {
      this.pending = setImmediate(() => {
        try {
          this.flush();
        } catch (error) {
          // Not fatal: the entries stay in memory and the next write retries; a restart before it may resend.
          this.options.onError?.(error);
        }
      });
    }
  }

  /** Writes a snapshot now if entries changed since the last one. */
  flush(): void {
    if (!this.pending) return;
    clearImmediate(this.pending);
    this.pending = undefined;
    this.save();
  }

  gc(now: number): number {
    let dropped = 0;
    for (const [k, entry] of this.entries)
      if (entry.expiresAt <= now) {
        this.entries.delete(k);
        dropped++;
      }
    if (dropped > 0) this.save();
    return dropped;
  }

  private save(): void {
    if (this.options.file)
      writeSnapshot(this.options.file, { version: 1, entries: [...this.entries.values()] });
  }
}

function key(groupKey: string, integration: string): string {
  return `${groupKey}\u0000${integration}`;
}

/**
 * Alertmanager's DedupStage.needsUpdate: must this flush be sent, given the last notification?
 * New firing alerts: yes. All resolved: only if the receiver was last told something was firing.
 * Newly resolved ones: if the integration sends resolved notifications. Otherwise only once
 * repeat_interval has passed (at the first flush at or after it; Alertmanager compares strictly and
 * so resends one group_interval later or not depending on timer drift).
 */
export function needsUpdate(
  entry: NflogEntry | undefined,
  firing: ReadonlySet<string>,
  resolved: ReadonlySet<string>,
  sendResolved: boolean,
  repeatIntervalMs: number,
  now: number,
): boolean {
  if (!entry) return firing.size > 0;
  const lastFiring = new Set(entry.firing);
  for (const fp of firing) if (!lastFiring.has(fp)) return true;
  if (firing.size === 0) return entry.firing.length > 0;
  if (sendResolved) {
    const lastResolved = new Set(entry.resolved);
    for (const fp of resolved) if (!lastResolved.has(fp)) return true;
  }
  return now - entry.timestamp >= repeatIntervalMs;
}
