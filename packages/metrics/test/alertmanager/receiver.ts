/** A real webhook receiver on loopback: records each request; answers with scripted statuses/delays. */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach } from 'vitest';
import type { WebhookMessage } from '../../src/alertmanager/webhook.js';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: WebhookMessage;
}

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Statuses answered in turn; once used up, 200. */
  statuses: number[] = [];
  /** Milliseconds to hold each answer, per path prefix. */
  delays = new Map<string, number>();
  private server: Server | undefined;
  private waiters: (() => void)[] = [];
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookMessage;
        const status = this.statuses.shift() ?? 200;
        const path = req.url ?? '/';
        const answer = () => {
          this.received.push({ path, headers: req.headers, body });
          for (const w of this.waiters.splice(0)) w();
          res.writeHead(status, { 'content-type': 'text/plain' }).end(status === 200 ? 'ok' : 'boom');
        };
        const delay = [...this.delays].find(([prefix]) => path.startsWith(prefix))?.[1];
        if (delay) setTimeout(answer, delay);
        else answer();
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Resolves once `n` requests have been received in total. */
  async waitFor(n: number, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.received.length < n) {
      if (Date.now() > deadline)
        throw new Error(`expected ${n} webhook requests, got ${this.received.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  /** Compact view of what arrived: `status alertname...` per request. */
  summary(): string[] {
    return this.received.map(
      (r) =>
        `${r.path} ${r.body.status} ${r.body.alerts.map((a) => `${a.labels.alertname}${a.labels.instance ? `@${a.labels.instance}` : ''}:${a.status}`).join(',')}`,
    );
  }

  /** Idempotent: a test may stop the receiver itself to make it unreachable. */
  async stop(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/** A fresh receiver for every test of the file or describe block, stopped after it. */
export function useWebhookReceiver(set: (receiver: WebhookReceiver) => void): void {
  let current: WebhookReceiver | undefined;
  beforeEach(async () => {
    current = await new WebhookReceiver().start();
    set(current);
  });
  afterEach(async () => {
    await current?.stop();
  });
}
