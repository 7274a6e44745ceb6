/**
 * The webhook integration: Alertmanager's message (version "4") posted as JSON, field for field
 * and in its field order, so any receiver written for Alertmanager works unchanged. A 2xx is
 * success; a 5xx, a 429, a network error or a timeout is worth retrying; any other status is not.
 */
import type { WebhookConfig } from './config.js';
import { compareLabelSets, type LabelSet } from './fingerprint.js';
import { formatTime, ZERO_TIME } from './time.js';

export interface NotifiedAlert {
  fingerprint: string;
  labels: LabelSet;
  annotations: LabelSet;
  startsAt: number;
  endsAt: number;
  generatorURL: string;
  status: 'firing' | 'resolved';
}

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: LabelSet;
  annotations: LabelSet;
  startsAt: string;
  endsAt: string;
  generatorURL: string;
  fingerprint: string;
}

export interface WebhookMessage {
  receiver: string;
  status: 'firing' | 'resolved';
  alerts: WebhookAlert[];
  groupLabels: LabelSet;
  commonLabels: LabelSet;
  commonAnnotations: LabelSet;
  externalURL: string;
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
}

/** Alertmanager's order inside a notification: by job, instance, then label set. */
export function sortAlerts<T extends { labels: LabelSet }>(alerts: T[]): T[] {
  return alerts.sort((a, b) => compareLabelSets(a.labels, b.labels));
}

export function buildMessage(
  alerts: readonly NotifiedAlert[],
  context: {
    receiver: string;
    groupKey: string;
    groupLabels: LabelSet;
    externalURL: string;
    maxAlerts: number;
  },
): WebhookMessage {
  const truncated = context.maxAlerts > 0 && alerts.length > context.maxAlerts;
  const kept = truncated ? alerts.slice(0, context.maxAlerts) : alerts;
  return {
    receiver: context.receiver,
    status: kept.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    alerts: kept.map((a) => ({
      status: a.status,
      labels: a.labels,
      annotations: a.annotations,
      startsAt: formatTime(a.startsAt),
      // A firing alert's end is unknown: Alertmanager sends Go's zero time.
      endsAt: a.status === 'firing' ? ZERO_TIME : formatTime(a.endsAt),
      generatorURL: a.generatorURL,
      fingerprint: a.fingerprint,
    })),
    groupLabels: context.groupLabels,
    commonLabels: common(kept.map((a) => a.labels)),
    commonAnnotations: common(kept.map((a) => a.annotations)),
    externalURL: context.externalURL,
    version: '4',
    groupKey: context.groupKey,
    truncatedAlerts: truncated ? alerts.length - context.maxAlerts : 0,
  };
}

/** The pairs every set has. */
function common(sets: readonly LabelSet[]): Record<string, string> {
  if (sets.length === 0) return {};
  const out: Record<string, string> = { ...sets[0] };
  for (const set of sets.slice(1))
    for (const [name, value] of Object.entries(out)) if (set[name] !== value) delete out[name];
  return out;
}

export interface SendResult {
  ok: boolean;
  retry: boolean;
  status?: number;
  error?: string;
}

export type FetchLike = (url: string, init: RequestInit) => Promise<Response>;

export async function postWebhook(
  config: WebhookConfig,
  message: WebhookMessage,
  fetchImpl: FetchLike,
  userAgent: string,
): Promise<SendResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': userAgent };
  if (config.authorization) headers.authorization = config.authorization;
  let response: Response;
  try {
    response = await fetchImpl(config.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(message),
      signal: AbortSignal.timeout(config.timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    const e = error as Error;
    const reason = e.name === 'TimeoutError' ? `timed out after ${config.timeoutMs} ms` : describe(e);
    return { ok: false, retry: true, error: reason };
  }
  const body = await readBounded(response, 4096);
  if (response.ok) return { ok: true, retry: false, status: response.status };
  const retry = response.status >= 500 || response.status === 429;
  return {
    ok: false,
    retry,
    status: response.status,
    error: `unexpected status code ${response.status}${body ? `: ${body.slice(0, 200)}` : ''}`,
  };
}

/** The start of the body, for an error report; the rest is discarded unread so a huge answer costs nothing. */
async function readBounded(response: Response, limit: number): Promise<string> {
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } catch {
    // A body cut off mid-way does not change the status the receiver answered.
  } finally {
    reader.cancel().catch(() => {});
  }
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(size, limit));
}

function describe(error: Error): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ? `${error.message}: ${cause.code}` : (cause?.message ?? error.message);
}
