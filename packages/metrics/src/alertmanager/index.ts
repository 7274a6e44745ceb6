/**
 * Parley's notifier: an Alertmanager (grouping, inhibition, silences, de-duplication, webhook
 * receivers with Alertmanager's payload, history), configured with Alertmanager's YAML.
 *
 * ```ts
 * import { Alertmanager, alertmanagerApi, parseAlertmanagerConfig } from '@parley/metrics';
 *
 * const config = parseAlertmanagerConfig(readFileSync(file, 'utf8'), file); // throws AlertmanagerConfigError
 * const am = new Alertmanager({
 *   config,
 *   dataDir: join(dataDir, 'alertmanager'), // silences.json, nflog.json, history.jsonl
 *   clock,                                   // @parley/kit Clock (ManualClock in tests)
 *   logger,                                  // pino Logger (optional)
 *   externalURL: 'https://parley.example',   // `externalURL` in webhook messages (optional)
 *   fetch,                                   // webhook HTTP client (optional)
 * });
 * am.start();                  // production: ticks on timers; tests call `await am.tick()` instead
 * evaluator.sink = am;         // AlertSink: am.send(postableAlerts)
 * await app.register(alertmanagerApi, { alertmanager: am }); // or (request) => am | undefined
 * am.applyConfig(newConfig);   // reload
 * await am.close();            // stops timers, waits for webhook requests under way
 * ```
 *
 * `tick()` does everything due at `clock.now()` (group flushes, webhook retries, state changes for
 * the history, periodic GC) and resolves once the webhook requests it started have finished.
 *
 * HTTP routes (permission): `POST /api/v2/alerts` (metrics:write), `GET /api/v2/alerts` and
 * `GET /api/v2/alerts/groups` (`active`, `silenced`, `inhibited`, `filter`, `receiver`),
 * `GET /api/v2/silences` (`filter`), `POST /api/v2/silences` (metrics:write; create, or update
 * with `id`), `GET /api/v2/silence/:id`, `DELETE /api/v2/silence/:id` (metrics:write; expire),
 * `GET /api/v2/receivers`, `GET /api/v2/history` (`start`, `end`: RFC 3339 or Unix seconds;
 * `kind`: alert|notification|silence; `filter`: matchers; `limit`, default 1000). Reads need
 * metrics:read.
 */
export {
  type AlertFilter,
  Alertmanager,
  type AlertmanagerOptions,
  type AlertStatus,
  type AlertView,
  type GroupView,
} from './alertmanager.js';
export { type AlertmanagerApiOptions, alertmanagerApi } from './api.js';
export {
  type AlertmanagerConfig,
  AlertmanagerConfigError,
  type InhibitRuleConfig,
  parseAlertmanagerConfig,
  type ReceiverConfig,
  type RouteConfig,
  type WebhookConfig,
} from './config.js';
export { fingerprint } from './fingerprint.js';
export type { AlertEvent, HistoryEvent, HistoryQuery, NotificationEvent, SilenceEvent } from './history.js';
export { type ApiMatcher, parseMatchers as parseAlertmanagerMatchers } from './matchers.js';
export { type PostableSilence, type Silence, SilenceError, type SilenceState } from './silences.js';
export type { WebhookAlert, WebhookMessage } from './webhook.js';
