import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Ruleset } from '../../src/model/index.js';

/**
 * A deliberately small SDK endpoint written against the wire protocol (not the plugin), with
 * switches to break it: refuse the stream, go down entirely, send garbage.
 */
export class RulesetServer {
  ruleset: Ruleset = { flags: [], segments: [], version: 0 };
  streamEnabled = true;
  /** Accept streams but never write to them (a black-holed connection). */
  mute = false;
  down = false;
  readonly requests: { path: string; ifNoneMatch?: string; status: number }[] = [];
  private readonly streams = new Set<ServerResponse>();
  private server: Server | undefined;
  url = '';

  constructor(private readonly sdkKey: string) {}

  async start(port = 0): Promise<string> {
    this.server = createServer((request, response) => this.handle(request, response));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    for (const stream of this.streams) stream.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  publish(ruleset: Omit<Ruleset, 'version'>): void {
    this.ruleset = { ...ruleset, version: (this.ruleset.version ?? 0) + 1 };
    for (const stream of this.streams) stream.write(frame(this.ruleset));
  }

  sendRaw(text: string): void {
    for (const stream of this.streams) stream.write(text);
  }

  /** Cut every open stream (as a crashing node would). */
  dropStreams(): void {
    for (const stream of this.streams) stream.destroy();
    this.streams.clear();
  }

  get streamCount(): number {
    return this.streams.size;
  }

  private handle(request: IncomingMessage, response: ServerResponse): void {
    const path = request.url ?? '';
    const ifNoneMatch = request.headers['if-none-match'];
    const record = (status: number) =>
      this.requests.push({ path, ...(ifNoneMatch && { ifNoneMatch }), status });
    if (this.down) {
      record(503);
      response.writeHead(503).end();
      return;
    }
    if (request.headers.authorization !== `Bearer ${this.sdkKey}`) {
      record(401);
      response.writeHead(401).end();
      return;
    }
    const etag = `"${this.ruleset.version}"`;
    if (path === '/sdk/v1/ruleset') {
      const status = ifNoneMatch === etag ? 304 : 200;
      record(status);
      response.writeHead(status, { etag, 'content-type': 'application/json' });
      response.end(status === 200 ? JSON.stringify(this.ruleset) : undefined);
      return;
    }
    if (path === '/sdk/v1/stream' && this.streamEnabled) {
      record(200);
      response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      if (this.mute) {
        response.flushHeaders();
        return;
      }
      response.write(frame(this.ruleset));
      this.streams.add(response);
      response.on('close', () => this.streams.delete(response));
      return;
    }
    record(503);
    response.writeHead(503).end();
  }
}

function frame(ruleset: Ruleset): string {
  return `event: ruleset\nid: ${ruleset.version}\ndata: ${JSON.stringify(ruleset)}\n\n`;
}
