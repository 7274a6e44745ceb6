import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OpenFeature, ProviderEvents, ProviderStatus } from '@openfeature/server-sdk';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { flagsDeliveryPlugin } from '../src/api/index.js';
import { FlagsClient, type FlagsClientOptions, ParleyProvider, SseParser } from '../src/sdk/index.js';
import { InMemoryFlagStore } from '../src/store/index.js';
import { booleanFlag } from './fixtures.js';
import { RulesetServer } from './support/ruleset-server.js';
import { until } from './support/wait.js';

const KEY = 'sdk-key-1';
const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(): Promise<RulesetServer> {
  const s = new RulesetServer(KEY);
  await s.start();
  cleanups.push(() => s.stop());
  s.publish({ flags: [booleanFlag('checkout'), booleanFlag('search', { on: false })], segments: [] });
  return s;
}

function client(s: RulesetServer, options: Partial<FlagsClientOptions> = {}): FlagsClient {
  const c = new FlagsClient({
    baseUrl: s.url,
    sdkKey: KEY,
    pollIntervalMs: 50,
    reconnectDelayMs: 30,
    maxReconnectDelayMs: 100,
    ...options,
  });
  cleanups.push(() => c.close());
  return c;
}

describe('SseParser', () => {
  it('parses events split across chunks, CRLF, comments and multi-line data', () => {
    const parser = new SseParser();
    expect(parser.push(': heartbeat\n\nevent: rule')).toEqual([]);
    expect(parser.push('set\r\nid: 7\r\ndata: {"a":\r\ndata: 1}\r\n\r\ndata: x\n\n')).toEqual([
      { event: 'ruleset', id: '7', data: '{"a":\n1}' },
      { event: 'message', id: '7', data: 'x' },
    ]);
  });
});

describe('FlagsClient', () => {
  it('answers PROVIDER_NOT_READY with the default before the first ruleset', () => {
    const c = new FlagsClient({ baseUrl: 'http://127.0.0.1:9', sdkKey: KEY });
    expect(c.evaluate('checkout', {}, 'dflt')).toMatchObject({
      value: 'dflt',
      errorCode: 'PROVIDER_NOT_READY',
    });
  });

  it('downloads the ruleset with its SDK key and evaluates locally', async () => {
    const s = await server();
    const c = client(s);
    await c.start();
    expect(c.status).toBe('READY');
    expect(c.boolean('checkout', {}, false)).toBe(true);
    expect(c.evaluate('search', {}, true)).toMatchObject({ value: false, reason: 'OFF' });
    expect(s.requests[0]).toMatchObject({ path: '/sdk/v1/ruleset', status: 200 });
  });

  it('receives changes over SSE and reports only the flags that changed', async () => {
    const s = await server();
    const c = client(s);
    await c.start();
    await until(() => s.streamCount === 1, 5_000, 'stream');
    const changes: string[][] = [];
    c.on('changed', ({ flagsChanged }) => changes.push(flagsChanged));
    s.publish({
      flags: [booleanFlag('checkout', { on: false }), booleanFlag('search', { on: false })],
      segments: [],
    });
    await until(() => changes.length === 1);
    expect(changes[0]).toEqual(['checkout']);
    expect(c.boolean('checkout', {}, true)).toBe(false);
    // Changes arrived by stream, not by polling.
    expect(s.requests.filter((r) => r.path === '/sdk/v1/ruleset')).toHaveLength(1);
  });

  it('keeps serving the last ruleset while the service is down (STALE), then reconnects and catches up', async () => {
    const s = await server();
    const c = client(s);
    await c.start();
    await until(() => s.streamCount === 1, 5_000, 'stream');
    const events: string[] = [];
    c.on('stale', () => events.push('stale'));
    c.on('ready', () => events.push('ready'));
    s.down = true;
    s.dropStreams();
    await until(() => c.status === 'STALE', 5_000, 'stale');
    const started = performance.now();
    expect(c.boolean('checkout', {}, false)).toBe(true);
    expect(performance.now() - started).toBeLessThan(50); // evaluation does not touch the network
    s.ruleset = { ...s.ruleset, flags: [booleanFlag('checkout', { on: false })], version: 99 };
    s.down = false;
    await until(() => c.status === 'READY' && s.streamCount === 1, 5_000, 'recovery');
    await until(() => c.boolean('checkout', {}, true) === false, 5_000, 'catch-up');
    expect(events).toEqual(['stale', 'ready']);
  });

  it('drops a silent stream after the idle timeout and reconnects', async () => {
    const s = await server();
    s.mute = true;
    const c = client(s, { streamIdleTimeoutMs: 150 });
    await c.start();
    await until(() => s.requests.filter((r) => r.path === '/sdk/v1/stream').length >= 2, 5_000, 'reconnect');
    s.mute = false;
    s.publish({ flags: [booleanFlag('checkout', { on: false })], segments: [] });
    await until(() => c.boolean('checkout', {}, true) === false, 5_000, 'change after reconnect');
  });

  it('falls back to ETag polling when the stream is unavailable', async () => {
    const s = await server();
    s.streamEnabled = false;
    const c = client(s);
    await c.start();
    await until(() => s.requests.filter((r) => r.status === 304).length >= 2, 5_000, 'conditional polls');
    expect(s.requests.find((r) => r.status === 304)?.ifNoneMatch).toBe('"1"');
    s.publish({ flags: [booleanFlag('checkout', { on: false })], segments: [] });
    await until(() => c.boolean('checkout', {}, true) === false, 5_000, 'polled change');
    expect(c.status).toBe('READY');
  });

  it('polls only when streaming is off', async () => {
    const s = await server();
    const c = client(s, { streaming: false });
    await c.start();
    s.publish({ flags: [booleanFlag('checkout', { on: false })], segments: [] });
    await until(() => c.boolean('checkout', {}, true) === false, 5_000, 'polled change');
    expect(s.requests.some((r) => r.path === '/sdk/v1/stream')).toBe(false);
  });

  it('ignores malformed stream data and keeps the last ruleset', async () => {
    const s = await server();
    const c = client(s);
    await c.start();
    await until(() => s.streamCount === 1, 5_000, 'stream');
    const errors: string[] = [];
    c.on('error', ({ message }) => errors.push(message));
    s.sendRaw('event: ruleset\ndata: {not json\n\n');
    s.sendRaw('event: ruleset\ndata: {"flags": 3}\n\n');
    await until(() => errors.length === 2);
    expect(c.boolean('checkout', {}, false)).toBe(true);
  });

  it('applies patches made from its version and refetches the ruleset after a gap', async () => {
    const s = await server();
    const c = client(s);
    await c.start();
    await until(() => s.streamCount === 1, 5_000, 'stream');
    const patch = (from: number, flags: unknown[]) =>
      `event: patch\ndata: ${JSON.stringify({ from, version: from + 1, flags, segments: [], deletedFlags: ['search'], deletedSegments: [] })}\n\n`;
    s.sendRaw(patch(1, [booleanFlag('checkout', { on: false })]));
    await until(() => c.boolean('checkout', {}, true) === false, 5_000, 'patch');
    expect(c.evaluate('search', {}, 'gone').errorCode).toBe('FLAG_NOT_FOUND');
    const polls = s.requests.filter((r) => r.path === '/sdk/v1/ruleset').length;
    s.ruleset = { flags: [booleanFlag('checkout'), booleanFlag('fresh')], segments: [], version: 9 };
    s.sendRaw(patch(7, [booleanFlag('other')]));
    await until(() => c.boolean('fresh', {}, false), 5_000, 'refetch');
    expect(s.requests.filter((r) => r.path === '/sdk/v1/ruleset').length).toBe(polls + 1);
    expect(c.evaluate('other', {}, 'none').errorCode).toBe('FLAG_NOT_FOUND');
  });

  it('starts from the bootstrap file when the service is unreachable', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'parley-flags-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const file = join(dir, 'ruleset.json');
    const s = await server();
    const first = client(s, { bootstrapFile: file });
    await first.start();
    await until(
      () => {
        try {
          return JSON.parse(readFileSync(file, 'utf8')).version === 1;
        } catch {
          return false;
        }
      },
      5_000,
      'bootstrap file',
    );
    first.close();
    s.down = true;
    const second = client(s, { bootstrapFile: file });
    await second.start();
    expect(second.boolean('checkout', {}, false)).toBe(true);
    const noBootstrap = client(s);
    const errors: string[] = [];
    noBootstrap.on('error', ({ message }) => errors.push(message));
    await noBootstrap.start();
    expect(noBootstrap.status).toBe('ERROR');
    expect(errors[0]).toMatch(/cannot reach the flags service/);
    s.down = false;
    await noBootstrap.waitForReady(5_000);
    expect(noBootstrap.boolean('checkout', {}, false)).toBe(true);
  });

  it('applies a scheduled change locally at its time', async () => {
    const s = await server();
    const at = new Date(Date.now() + 300).toISOString();
    s.publish({
      flags: [booleanFlag('launch', { on: false, scheduledChanges: [{ id: 'go', at, set: { on: true } }] })],
      segments: [],
    });
    const c = client(s);
    await c.start();
    expect(c.boolean('launch', {}, true)).toBe(false);
    const changes: string[][] = [];
    c.on('changed', ({ flagsChanged }) => changes.push(flagsChanged));
    await until(() => c.boolean('launch', {}, false), 5_000, 'scheduled change');
    expect(changes).toEqual([['launch']]);
  });

  it('follows the real delivery plugin: a store write reaches the SDK over SSE', async () => {
    const store = new InMemoryFlagStore();
    const env = { tenantId: 't', project: 'p', environment: 'prod' };
    await store.putFlag(env, booleanFlag('checkout'));
    const app = Fastify();
    await app.register(flagsDeliveryPlugin, {
      store,
      resolveKey: (k) => (k === KEY ? { environment: env, kind: 'server' } : undefined),
    });
    const url = await app.listen({ host: '127.0.0.1', port: 0 });
    cleanups.push(() => app.close());
    const c = new FlagsClient({ baseUrl: url, sdkKey: KEY });
    cleanups.push(() => c.close());
    await c.start();
    const changed = new Promise<string[]>((resolve) =>
      c.once('changed', ({ flagsChanged }) => resolve(flagsChanged)),
    );
    await until(() => c.status === 'READY');
    await new Promise((resolve) => setTimeout(resolve, 100)); // let the stream attach
    await store.putFlag(env, booleanFlag('checkout', { on: false }));
    expect(await changed).toEqual(['checkout']);
    expect(c.boolean('checkout', {}, true)).toBe(false);
    c.evaluate('missing', {}, false);
    await c.sendUsage();
    expect(await store.usage(env)).toEqual([
      { key: 'checkout', evaluations: 1, lastEvaluatedAt: expect.any(Number) },
    ]);
  });
});

describe('ParleyProvider (OpenFeature)', () => {
  afterEach(async () => {
    await OpenFeature.close();
  });

  it('is READY, evaluates with OpenFeature details, emits CONFIGURATION_CHANGED with keys, STALE and READY again', async () => {
    const s = await server();
    s.publish({
      flags: [
        booleanFlag('checkout'),
        {
          key: 'model',
          type: 'string',
          variations: [
            { value: 'small', name: 'small' },
            { value: 'large', name: 'large' },
          ],
          on: true,
          offVariation: 0,
          rules: [
            {
              id: 'pro',
              clauses: [{ attribute: 'plan', op: 'in', values: ['pro'] }],
              serve: { variation: 1 },
            },
          ],
          fallthrough: { variation: 0 },
        },
      ],
      segments: [],
    });
    const provider = new ParleyProvider({
      baseUrl: s.url,
      sdkKey: KEY,
      pollIntervalMs: 50,
      reconnectDelayMs: 30,
    });
    const events: { type: string; flagsChanged?: string[] }[] = [];
    const client = OpenFeature.getClient('parley');
    for (const type of [
      ProviderEvents.Ready,
      ProviderEvents.ConfigurationChanged,
      ProviderEvents.Stale,
      ProviderEvents.Error,
    ])
      client.addHandler(type, (details) =>
        events.push({
          type,
          ...(details?.flagsChanged ? { flagsChanged: details.flagsChanged as string[] } : {}),
        }),
      );
    await OpenFeature.setProviderAndWait('parley', provider);
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    expect(await client.getStringDetails('model', 'none', { targetingKey: 'u', plan: 'pro' })).toMatchObject({
      value: 'large',
      variant: 'large',
      reason: 'TARGETING_MATCH',
      flagMetadata: { ruleId: 'pro' },
    });
    expect(await client.getBooleanDetails('checkout', false)).toMatchObject({
      value: true,
      reason: 'STATIC',
    });
    expect(await client.getNumberDetails('checkout', 3)).toMatchObject({
      value: 3,
      errorCode: 'TYPE_MISMATCH',
    });
    expect(await client.getBooleanDetails('missing', true)).toMatchObject({
      value: true,
      errorCode: 'FLAG_NOT_FOUND',
    });

    await until(() => s.streamCount === 1, 5_000, 'stream');
    s.publish({ flags: [booleanFlag('checkout', { on: false }), s.ruleset.flags[1]!], segments: [] });
    await until(() => events.some((e) => e.type === ProviderEvents.ConfigurationChanged));
    expect(events.find((e) => e.type === ProviderEvents.ConfigurationChanged)?.flagsChanged).toEqual([
      'checkout',
    ]);
    expect(await client.getBooleanValue('checkout', true)).toBe(false);

    s.down = true;
    s.dropStreams();
    await until(() => client.providerStatus === ProviderStatus.STALE, 5_000, 'STALE');
    s.down = false;
    await until(() => client.providerStatus === ProviderStatus.READY, 5_000, 'READY again');
    expect(events.map((e) => e.type)).toEqual([
      ProviderEvents.Ready,
      ProviderEvents.ConfigurationChanged,
      ProviderEvents.Stale,
      ProviderEvents.Ready,
    ]);
  });

  it('reports ERROR when the service cannot be reached and no bootstrap exists', async () => {
    const s = await server();
    s.down = true;
    const provider = new ParleyProvider(
      { baseUrl: s.url, sdkKey: KEY, pollIntervalMs: 50 },
      { readyTimeoutMs: 200 },
    );
    const client = OpenFeature.getClient('down');
    const errors: unknown[] = [];
    client.addHandler(ProviderEvents.Error, (details) => errors.push(details));
    await expect(OpenFeature.setProviderAndWait('down', provider)).rejects.toThrow();
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    expect(errors.length).toBeGreaterThan(0);
    expect(await client.getBooleanDetails('checkout', false)).toMatchObject({
      value: false,
      reason: 'ERROR',
    });
    s.down = false;
    await until(() => client.providerStatus === ProviderStatus.READY, 5_000, 'recovery');
    expect(await client.getBooleanValue('checkout', false)).toBe(true);
  });
});
