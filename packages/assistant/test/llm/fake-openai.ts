import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FakeMode = 'ok' | 'error' | 'hang' | 'slow' | 'break-mid-stream';

/**
 * A local OpenAI-compatible chat completions server that behaves as told: answers (streaming),
 * fails with 500, hangs, answers slowly, or drops the connection after a first token. Records
 * every request body, so tests can see what the model was given.
 */
export class FakeOpenAi {
  mode: FakeMode = 'ok';
  slowMs = 200;
  reply = ['Revenue ', 'rose ', 'to 300.'];
  readonly requests: { model: string; stream: boolean; messages: { role: string; content: string }[] }[] = [];
  private readonly server: Server;
  private readonly hanging = new Set<ServerResponse>();

  private constructor() {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  static async start(): Promise<FakeOpenAi> {
    const fake = new FakeOpenAi();
    fake.server.listen(0, '127.0.0.1');
    await once(fake.server, 'listening');
    return fake;
  }

  get baseURL(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/v1`;
  }

  async close(): Promise<void> {
    for (const res of this.hanging) res.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body = '';
    for await (const chunk of req) body += chunk;
    if (req.url !== '/v1/chat/completions') {
      res.writeHead(404).end();
      return;
    }
    this.requests.push(JSON.parse(body));
    if (this.mode === 'error') {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: 'the model is overloaded', type: 'server_error' } }));
      return;
    }
    if (this.mode === 'hang') {
      this.hanging.add(res);
      res.on('close', () => this.hanging.delete(res));
      return;
    }
    if (this.mode === 'slow') await new Promise((resolve) => setTimeout(resolve, this.slowMs));
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    const chunk = (delta: object, extra: object = {}) =>
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'fake', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
    if (this.mode === 'break-mid-stream') {
      res.write(chunk({ content: this.reply[0] }));
      setTimeout(() => res.destroy(), 20);
      return;
    }
    for (const token of this.reply) res.write(chunk({ content: token }));
    res.write(
      `data: ${JSON.stringify({ id: 'c1', object: 'chat.completion.chunk', created: 0, model: 'fake', choices: [], usage: { prompt_tokens: 42, completion_tokens: 3, total_tokens: 45 } })}\n\n`,
    );
    res.end('data: [DONE]\n\n');
  }
}
