/**
 * The contract between the rule evaluator (src/rules) and the notifier (src/alertmanager): an
 * alert exactly as Prometheus posts it to Alertmanager (API v2 `postableAlert`), so the notifier
 * can also take alerts from a real Prometheus and the evaluator can send to a real Alertmanager.
 */
export interface PostableAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** RFC 3339. */
  startsAt: string;
  /** RFC 3339; in the future while firing (a deadline Prometheus keeps pushing), the resolve time once resolved. */
  endsAt?: string;
  generatorURL?: string;
}

/** Where evaluated alerts go: Parley's own notifier in-process, or a remote Alertmanager. */
export interface AlertSink {
  send(alerts: readonly PostableAlert[]): void | Promise<void>;
}
