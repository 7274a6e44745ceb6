import { installProblemHandlers } from '@parley/kit/http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suggestPlugin } from '../src/api/plugin.js';
import { SuggestClient, SuggestRequestError } from '../src/client/index.js';
import { SuggestService } from '../src/service.js';

describe('SuggestClient against a real server', () => {
  let app: FastifyInstance;
  let baseUrl: string;
  const requested: string[] = [];
  const signals: AbortSignal[] = [];
  let delayMs = 0;

  // Real fetch, counted, optionally slowed down before it goes out.
  const fetching: typeof fetch = async (input, init) => {
    requested.push(new URL(String(input)).searchParams.get('q')!);
    if (init?.signal) signals.push(init.signal);
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    init?.signal?.throwIfAborted();
    return fetch(input, init);
  };

  beforeAll(async () => {
    const service = new SuggestService();
    await service.load('acme', [
      { text: 'pipeline by stage', weight: 30 },
      { text: 'pipeline coverage', weight: 20 },
      { text: 'pipedrive import', weight: 5 },
    ]);
    app = Fastify();
    installProblemHandlers(app);
    await app.register(suggestPlugin, { service, resolveTenant: () => 'acme' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    baseUrl = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/`;
  });
  afterAll(() => app.close());

  it('debounces keystrokes into one request and answers every caller with it', async () => {
    requested.length = 0;
    const client = new SuggestClient({ baseUrl, fetch: fetching, debounceMs: 30 });
    const answers = await Promise.all([client.suggest('p'), client.suggest('pi'), client.suggest('pipel')]);
    expect(requested).toEqual(['pipel']);
    for (const answer of answers) {
      // "pipel" is one edit from "piped…": the typo match fills in after the exact ones.
      expect(answer.suggestions.map((s) => s.text)).toEqual([
        'pipeline by stage',
        'pipeline coverage',
        'pipedrive import',
      ]);
    }
    // Cached: same answer at once, whatever the case and spacing.
    const again = await client.suggest(' PIPEL ');
    expect(again).toEqual(answers[0]);
    expect(requested).toEqual(['pipel']);
    expect((await client.suggest('   ')).suggestions).toEqual([]);
    expect(requested).toEqual(['pipel']);
  });

  it('prefetches into the cache', async () => {
    requested.length = 0;
    const client = new SuggestClient({ baseUrl, fetch: fetching, debounceMs: 30 });
    client.prefetch('pipe');
    const answer = await client.suggest('pipe');
    expect(requested).toEqual(['pipe']);
    expect(answer.suggestions).toHaveLength(3);
  });

  it('cancels a request made useless by a newer keystroke', async () => {
    requested.length = 0;
    signals.length = 0;
    delayMs = 60;
    try {
      const client = new SuggestClient({ baseUrl, fetch: fetching, debounceMs: 5 });
      const first = client.suggest('pipel');
      await new Promise((resolve) => setTimeout(resolve, 20)); // first request is on the wire
      const second = client.suggest('pipedr');
      const [a, b] = await Promise.all([first, second]);
      expect(requested).toEqual(['pipel', 'pipedr']);
      expect(signals[0]!.aborted).toBe(true);
      expect(a.suggestions.map((s) => s.text)).toEqual(['pipedrive import']);
      expect(b).toEqual(a);
      // The cancelled answer was not cached.
      delayMs = 0;
      await client.suggest('pipel');
      expect(requested).toEqual(['pipel', 'pipedr', 'pipel']);
    } finally {
      delayMs = 0;
    }
  });

  it('rejects with the problem details of a bad request', async () => {
    const client = new SuggestClient({ baseUrl, fetch: fetching, debounceMs: 1 });
    const error = await client.suggest('pi\u0007pe').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SuggestRequestError);
    expect((error as SuggestRequestError).status).toBe(400);
    expect((error as SuggestRequestError).problem).toMatchObject({
      detail: 'The query contains control characters',
    });
  });
});
