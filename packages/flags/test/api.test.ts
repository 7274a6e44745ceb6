import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature } from '@openfeature/server-sdk';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { flagsDeliveryPlugin, type SdkKeyGrant } from '../src/api/index.js';
import { InMemoryFlagStore } from '../src/store/index.js';
import { booleanFlag } from './fixtures.js';

const production = { tenantId: 't1', project: 'web', environment: 'production' };
const keys: Record<string, SdkKeyGrant> = {
  'server-key': { environment: production, kind: 'server' },
  'client-key': { environment: production, kind: 'client' },
  'other-tenant': { environment: { ...production, tenantId: 't2' }, kind: 'server' },
};

let app: FastifyInstance;
let store: InMemoryFlagStore;
let baseUrl: string;

beforeAll(async () => {
  store = new InMemoryFlagStore();
  await store.putFlag(production, booleanFlag('new-checkout'));
  await store.putFlag(production, {
    key: 'banner',
    type: 'string',
    variations: [
      { value: 'none', name: 'none' },
      { value: 'spring', name: 'spring' },
    ],
    on: true,
    offVariation: 0,
    rules: [
      { id: 'eu', clauses: [{ attribute: 'region', op: 'in', values: ['eu'] }], serve: { variation: 1 } },
    ],
    fallthrough: { variation: 0 },
  });
  await store.putFlag(
    production,
    booleanFlag('split', { fallthrough: { split: { variations: [{ variation: 1, weight: 100_000 }] } } }),
  );
  app = Fastify();
  await app.register(flagsDeliveryPlugin, { store, resolveKey: (key) => keys[key], heartbeatMs: 50 });
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
});

afterAll(async () => {
  await OpenFeature.close();
  await app.close();
});

const auth = (key: string) => ({ authorization: `Bearer ${key}` });

describe('SDK ruleset endpoint', () => {
  it('refuses missing and unknown keys with 401, client keys with 403', async () => {
    expect((await app.inject({ url: '/sdk/v1/ruleset' })).statusCode).toBe(401);
    expect((await app.inject({ url: '/sdk/v1/ruleset', headers: auth('nope') })).statusCode).toBe(401);
    const forbidden = await app.inject({ url: '/sdk/v1/ruleset', headers: auth('client-key') });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ status: 403, type: 'urn:parley:problem:forbidden' });
    expect((await app.inject({ url: '/sdk/v1/stream', headers: auth('client-key') })).statusCode).toBe(403);
  });

  it('serves the ruleset with an ETag, 304 when unchanged, a new ETag after a change', async () => {
    const first = await app.inject({ url: '/sdk/v1/ruleset', headers: auth('server-key') });
    expect(first.statusCode).toBe(200);
    expect(first.json().flags.map((f: { key: string }) => f.key)).toEqual([
      'new-checkout',
      'banner',
      'split',
    ]);
    const etag = first.headers.etag as string;
    const again = await app.inject({
      url: '/sdk/v1/ruleset',
      headers: { ...auth('server-key'), 'if-none-match': etag },
    });
    expect(again.statusCode).toBe(304);
    await store.putSegment(production, { key: 'unused', included: ['x'] });
    const changed = await app.inject({
      url: '/sdk/v1/ruleset',
      headers: { ...auth('server-key'), 'if-none-match': etag },
    });
    expect(changed.statusCode).toBe(200);
    expect(changed.headers.etag).not.toBe(etag);
  });

  it('isolates tenants: another tenant’s key sees its own (empty) environment', async () => {
    const other = await app.inject({ url: '/sdk/v1/ruleset', headers: auth('other-tenant') });
    expect(other.json()).toMatchObject({ flags: [], segments: [] });
  });

  it('streams the ruleset, then each change as a patch, over Server-Sent Events', async () => {
    const controller = new AbortController();
    const response = await fetch(`${baseUrl}/sdk/v1/stream`, {
      headers: auth('server-key'),
      signal: controller.signal,
    });
    expect(response.headers.get('content-type')).toBe('text/event-stream');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    const nextEvent = async (): Promise<{ event: string; id: string; data: Record<string, unknown> }> => {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (frame.startsWith(':')) continue;
          const field = (name: string) =>
            frame
              .split('\n')
              .find((l) => l.startsWith(`${name}: `))!
              .slice(name.length + 2);
          return { event: field('event'), id: field('id'), data: JSON.parse(field('data')) };
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += value;
      }
    };
    const initial = await nextEvent();
    expect(initial.event).toBe('ruleset');
    const flags = initial.data.flags as { key: string; on: boolean }[];
    expect(flags.find((f) => f.key === 'new-checkout')?.on).toBe(true);
    const changed = await store.putFlag(production, booleanFlag('new-checkout', { on: false }));
    const patch = await nextEvent();
    expect(patch).toEqual({
      event: 'patch',
      id: String(Number(initial.id) + 1),
      data: {
        from: Number(initial.id),
        version: Number(initial.id) + 1,
        flags: [changed],
        segments: [],
        deletedFlags: [],
        deletedSegments: [],
      },
    });
    controller.abort();
    await store.putFlag(production, booleanFlag('new-checkout'));
  });
});

describe('evaluation usage', () => {
  it('records SDK usage reports (server keys only) and counts OFREP evaluations in batches', async () => {
    const usageStore = new InMemoryFlagStore();
    await usageStore.putFlag(production, booleanFlag('counted'));
    const usageApp = Fastify();
    await usageApp.register(flagsDeliveryPlugin, {
      store: usageStore,
      resolveKey: (key) => keys[key],
      now: () => 1_000,
      usageFlushMs: 60_000,
    });
    const report = (key: string, counts: unknown) =>
      usageApp.inject({ method: 'POST', url: '/sdk/v1/usage', headers: auth(key), payload: { counts } });
    expect((await report('server-key', { counted: 5 })).statusCode).toBe(204);
    expect((await report('client-key', { counted: 5 })).statusCode).toBe(403);
    expect((await report('server-key', { counted: -1 })).statusCode).toBe(400);
    for (let i = 0; i < 2; i++)
      await usageApp.inject({
        method: 'POST',
        url: '/ofrep/v1/evaluate/flags/counted',
        headers: auth('client-key'),
        payload: { context: {} },
      });
    expect(await usageStore.usage(production)).toEqual([
      { key: 'counted', evaluations: 5, lastEvaluatedAt: 1_000 },
    ]);
    await usageApp.close(); // flushes the OFREP batch
    expect(await usageStore.usage(production)).toEqual([
      { key: 'counted', evaluations: 7, lastEvaluatedAt: 1_000 },
    ]);
  });
});

describe('shutdown', () => {
  it('ends open streams when the server closes instead of waiting for them', async () => {
    const other = Fastify();
    await other.register(flagsDeliveryPlugin, { store, resolveKey: (key) => keys[key] });
    const url = await other.listen({ host: '127.0.0.1', port: 0 });
    const response = await fetch(`${url}/sdk/v1/stream`, { headers: auth('server-key') });
    const reader = response.body!.getReader();
    await reader.read();
    await other.close();
    // The stream ends (done) rather than hanging.
    for (;;) if ((await reader.read()).done) break;
  });
});

describe('OFREP', () => {
  const evaluate = (key: string, body: unknown, apiKey = 'client-key') =>
    app.inject({
      method: 'POST',
      url: `/ofrep/v1/evaluate/flags/${key}`,
      headers: { ...auth(apiKey), 'content-type': 'application/json' },
      payload: typeof body === 'string' ? body : JSON.stringify(body),
    });

  it('evaluates one flag with a client key, in the OFREP success shape', async () => {
    const response = await evaluate('banner', { context: { targetingKey: 'u1', region: 'eu' } });
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      key: 'banner',
      value: 'spring',
      reason: 'TARGETING_MATCH',
      variant: 'spring',
      metadata: { ruleId: 'eu' },
    });
    expect((await evaluate('banner', { context: { region: 'us' } })).json()).toEqual({
      key: 'banner',
      value: 'none',
      reason: 'DEFAULT',
      variant: 'none',
      metadata: {},
    });
  });

  it('answers errors in the OFREP failure shape: 404 FLAG_NOT_FOUND, 400 with the code', async () => {
    const missing = await evaluate('nope', { context: {} });
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({
      key: 'nope',
      errorCode: 'FLAG_NOT_FOUND',
      errorDetails: "flag 'nope' not found",
    });
    const noKey = await evaluate('split', { context: {} });
    expect(noKey.statusCode).toBe(400);
    expect(noKey.json()).toMatchObject({ key: 'split', errorCode: 'TARGETING_KEY_MISSING' });
    const badContext = await evaluate('banner', { context: ['not', 'an', 'object'] });
    expect(badContext.statusCode).toBe(400);
    expect(badContext.json()).toMatchObject({ key: 'banner', errorCode: 'INVALID_CONTEXT' });
    const badJson = await evaluate('banner', '{"context": ');
    expect(badJson.statusCode).toBe(400);
    expect(badJson.json()).toMatchObject({ key: 'banner', errorCode: 'PARSE_ERROR' });
    const badKey = await evaluate('banner', { context: { targetingKey: 42 } });
    expect(badKey.json()).toMatchObject({ errorCode: 'INVALID_CONTEXT' });
  });

  it('refuses a missing key with 401 and no body', async () => {
    const response = await app.inject({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags/banner',
      payload: {},
    });
    expect(response.statusCode).toBe(401);
    expect(response.body).toBe('');
  });

  it('evaluates every flag in bulk with an ETag, 304 when nothing changed, never returning rules', async () => {
    const bulk = (headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: '/ofrep/v1/evaluate/flags',
        headers: { ...auth('client-key'), ...headers },
        payload: { context: { targetingKey: 'u1', region: 'eu' } },
      });
    const response = await bulk();
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({
      flags: [
        { key: 'new-checkout', value: true, reason: 'STATIC', variant: '1', metadata: {} },
        {
          key: 'banner',
          value: 'spring',
          reason: 'TARGETING_MATCH',
          variant: 'spring',
          metadata: { ruleId: 'eu' },
        },
        { key: 'split', value: true, reason: 'SPLIT', variant: '1', metadata: {} },
      ],
    });
    expect(response.body).not.toContain('clauses');
    const etag = response.headers.etag as string;
    expect((await bulk({ 'if-none-match': etag })).statusCode).toBe(304);
  });

  it('serves a real OpenFeature client through the OFREP provider', async () => {
    const provider = new OFREPProvider({ baseUrl, headers: { Authorization: 'Bearer client-key' } });
    await OpenFeature.setProviderAndWait('ofrep', provider);
    const client = OpenFeature.getClient('ofrep');
    const details = await client.getStringDetails('banner', 'fallback', { targetingKey: 'u1', region: 'eu' });
    expect(details).toMatchObject({ value: 'spring', reason: 'TARGETING_MATCH', variant: 'spring' });
    expect(await client.getBooleanValue('new-checkout', false, { targetingKey: 'u1' })).toBe(true);
    const missing = await client.getBooleanDetails('nope', true, { targetingKey: 'u1' });
    expect(missing).toMatchObject({ value: true, errorCode: 'FLAG_NOT_FOUND' });
    const mismatch = await client.getNumberDetails('banner', 7, { targetingKey: 'u1' });
    expect(mismatch).toMatchObject({ value: 7, errorCode: 'TYPE_MISMATCH' });
  });
});
