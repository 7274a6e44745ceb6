/** Drives an Alertmanager with a ManualClock, a Prometheus-like sender and a real webhook receiver. */
import { ManualClock } from '@parley/kit';
import { Alertmanager, type AlertmanagerOptions } from '../../src/alertmanager/alertmanager.js';
import type { IncomingAlert } from '../../src/alertmanager/alerts.js';
import { parseAlertmanagerConfig } from '../../src/alertmanager/config.js';
import type { WebhookReceiver } from './receiver.js';

export const T0 = Date.parse('2026-01-01T00:00:00Z');

export const iso = (ms: number) => new Date(ms).toISOString();

/** `1h2m3.5s` style offsets from T0, for readable timelines. */
export function offset(ms: number): string {
  const h = Math.floor(ms / 3_600_000);
  const m = Math.floor((ms % 3_600_000) / 60_000);
  const s = (ms % 60_000) / 1000;
  return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s || (!h && !m) ? `${s}s` : ''}`;
}

export function yamlConfig(receiverUrl: string, body: string): string {
  return body.replaceAll('$URL', receiverUrl);
}

export class Harness {
  readonly clock = new ManualClock(T0);
  am: Alertmanager;
  /** `<offset> <path> <status> <alerts>` per webhook request, in arrival order. */
  readonly timeline: string[] = [];
  /** Alerts the simulated Prometheus keeps re-sending, by alertname+instance. */
  private readonly firing = new Map<string, { labels: Record<string, string>; startsAt: number }>();
  private seen = 0;

  constructor(
    readonly receiver: WebhookReceiver,
    readonly yaml: string,
    readonly options: Partial<AlertmanagerOptions> = {},
  ) {
    this.am = this.create();
  }

  create(): Alertmanager {
    return new Alertmanager({
      config: parseAlertmanagerConfig(yamlConfig(this.receiver.url, this.yaml), 'test.yml'),
      clock: this.clock,
      ...this.options,
    });
  }

  now(): number {
    return this.clock.now() - T0;
  }

  /** Starts an alert firing (Prometheus: startsAt = now, endsAt = now + 4 × resend delay). */
  fire(labels: Record<string, string>, annotations: Record<string, string> = {}): void {
    const key = JSON.stringify(labels);
    const startsAt = this.firing.get(key)?.startsAt ?? this.clock.now();
    this.firing.set(key, { labels, startsAt });
    this.post([{ labels, annotations, startsAt: iso(startsAt), endsAt: iso(this.clock.now() + 4 * 60_000) }]);
  }

  /** Resolves an alert (Prometheus: endsAt = the resolve time). */
  resolve(labels: Record<string, string>): void {
    const key = JSON.stringify(labels);
    const held = this.firing.get(key);
    if (!held) throw new Error(`not firing: ${key}`);
    this.firing.delete(key);
    this.post([{ labels, annotations: {}, startsAt: iso(held.startsAt), endsAt: iso(this.clock.now()) }]);
  }

  post(alerts: IncomingAlert[]): void {
    const { errors } = this.am.receive(alerts);
    if (errors.length > 0) throw new Error(errors.join('; '));
  }

  /** Moves the clock to T0 + ms, re-sends firing alerts like Prometheus, ticks, records what arrived. */
  async at(ms: number): Promise<void> {
    this.clock.set(T0 + ms);
    for (const { labels } of this.firing.values()) this.fire(labels);
    await this.am.tick();
    this.collect();
  }

  collect(): void {
    const summary = this.receiver.summary();
    for (; this.seen < summary.length; this.seen++)
      this.timeline.push(`${offset(this.now())} ${summary[this.seen]}`);
  }

  /** Steps from the current time to `untilMs` every `stepMs`. */
  async run(untilMs: number, stepMs: number, each?: (ms: number) => void): Promise<void> {
    for (let t = this.now() + stepMs; t <= untilMs; t += stepMs) {
      this.clock.set(T0 + t);
      each?.(t);
      await this.at(t);
    }
  }
}
