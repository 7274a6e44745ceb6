import { installProblemHandlers } from '@parley/kit/http';
import Fastify, { type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { suggestPlugin } from '../src/api/plugin.js';
import { SuggestCache } from '../src/cache.js';
import { SuggestService } from '../src/service.js';

const header = (request: { headers: Record<string, unknown> }, name: string) =>
  typeof request.headers[name] === 'string' ? (request.headers[name] as string) : undefined;

async function appWith(service: SuggestService, cache?: SuggestCache): Promise<FastifyInstance> {
  const app = Fastify();
  installProblemHandlers(app);
  await app.register(suggestPlugin, {
    service,
    cache,
    resolveTenant: (request) => header(request, 'x-tenant') ?? 'acme',
    resolveUser: (request) => header(request, 'x-user'),
  });
  await app.ready();
  return app;
}

async function seeded(): Promise<SuggestService> {
  const service = new SuggestService();
  await service.load('acme', [
    { text: 'Pipeline by stage', weight: 30 },
    { text: 'pipeline coverage', weight: 20 },
    { text: 'Éléonore Dupont', weight: 3 },
  ]);
  await service.load('globex', [{ text: 'pipeline of globex', weight: 9 }]);
  return service;
}

describe('HTTP API', () => {
  let app: FastifyInstance;
  let service: SuggestService;

  beforeAll(async () => {
    service = await seeded();
    app = await appWith(service);
  });
  afterAll(() => app.close());

  it('GET /v1/suggest answers with suggestions, cache headers and an ETag', async () => {
    const response = await app.inject({ url: '/v1/suggest?q=pipe&limit=5' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['cache-control']).toBe('private, max-age=30');
    const body = response.json();
    expect(body.suggestions).toEqual([
      {
        text: 'Pipeline by stage',
        score: 0.7,
        highlights: [{ start: 0, end: 4 }],
        source: 'global',
        typo: false,
      },
      {
        text: 'pipeline coverage',
        score: 0.466667,
        highlights: [{ start: 0, end: 4 }],
        source: 'global',
        typo: false,
      },
    ]);
    const etag = response.headers.etag as string;
    expect(etag).toMatch(/^W\/".+"$/);
    const again = await app.inject({ url: '/v1/suggest?q=PIPE&limit=5', headers: { 'if-none-match': etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const other = await app.inject({ url: '/v1/suggest?q=pipe&limit=5', headers: { 'x-tenant': 'globex' } });
    expect(other.headers.etag).not.toBe(etag);
    expect(other.json().suggestions.map((s: { text: string }) => s.text)).toEqual(['pipeline of globex']);
  });

  it('changes the ETag when the data changes', async () => {
    const first = await app.inject({ url: '/v1/suggest?q=eleo' });
    expect(first.json().suggestions[0].highlights).toEqual([{ start: 0, end: 4 }]);
    service.tenant('acme').suggester.blocklist.addTerm('dupont');
    const second = await app.inject({
      url: '/v1/suggest?q=eleo',
      headers: { 'if-none-match': first.headers.etag },
    });
    expect(second.statusCode).toBe(200);
    expect(second.json().suggestions).toEqual([]);
  });

  it('POST /v1/suggest/log records queries that personalize the user’s answers', async () => {
    const logged = await app.inject({
      method: 'POST',
      url: '/v1/suggest/log',
      headers: { 'x-user': 'ana' },
      payload: { query: 'pipeline hygiene checklist' },
    });
    expect(logged.statusCode).toBe(202);
    const mine = await app.inject({ url: '/v1/suggest?q=pipeline', headers: { 'x-user': 'ana' } });
    expect(mine.headers['cache-control']).toBe('private, no-store');
    expect(mine.headers.etag).toBeUndefined();
    expect(mine.json().suggestions.find((s: { source: string }) => s.source === 'personal').text).toBe(
      'pipeline hygiene checklist',
    );
    const theirs = await app.inject({ url: '/v1/suggest?q=pipeline', headers: { 'x-user': 'bob' } });
    expect(theirs.json().personalized).toBe(false);
  });

  it('answers bad input with problem+json 400s', async () => {
    const cases = [
      '/v1/suggest',
      `/v1/suggest?q=${'a'.repeat(300)}`,
      '/v1/suggest?q=ab%00c',
      '/v1/suggest?q=ab&limit=0',
      '/v1/suggest?q=ab&limit=abc',
    ];
    for (const url of cases) {
      const response = await app.inject({ url });
      expect(response.statusCode, url).toBe(400);
      expect(response.headers['content-type'], url).toMatch(/application\/problem\+json/);
    }
    const control = await app.inject({ url: '/v1/suggest?q=ab%07' });
    expect(control.json().detail).toBe('The query contains control characters');
    const empty = await app.inject({ url: '/v1/suggest?q=%20%20' });
    expect(empty.statusCode).toBe(200);
    expect(empty.json().suggestions).toEqual([]);
    // Invalid UTF-8 in a URL decodes to U+FFFD: harmless, answered normally.
    expect((await app.inject({ url: '/v1/suggest?q=ab%ED%A0%80' })).statusCode).toBe(200);
    const log = (payload: string) =>
      app.inject({
        method: 'POST',
        url: '/v1/suggest/log',
        headers: { 'content-type': 'application/json' },
        payload,
      });
    for (const payload of ['{"query":"x\\u0000"}', '{"query":"x\\ud800"}', '{"query":', '{}']) {
      expect((await log(payload)).statusCode, payload).toBe(400);
    }
    // A blank query is accepted and ignored.
    expect((await log('{"query":"   "}')).statusCode).toBe(202);
  });

  it('declares its permissions', async () => {
    const declared: string[] = [];
    const probe = Fastify();
    probe.addHook('onRoute', (route) => {
      if (route.method !== 'HEAD')
        declared.push(`${route.method} ${route.url} ${JSON.stringify(route.config)}`);
    });
    await probe.register(suggestPlugin, { service, resolveTenant: () => 'acme' });
    await probe.ready();
    await probe.close();
    expect(declared).toEqual([
      'GET /v1/suggest {"permission":"suggest:read"}',
      'POST /v1/suggest/log {"permission":"suggest:write"}',
    ]);
  });
});

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

describe('Redis cache', () => {
  let redis: Redis;
  const prefix = `suggest-test-${process.pid}-${Date.now()}`;

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    await redis.quit();
  });

  it('serves hot prefixes from Redis and misses after a rebuild', async () => {
    const service = await seeded();
    const cache = new SuggestCache(redis, { prefix, ttlSeconds: 30 });
    const app = await appWith(service, cache);
    try {
      const first = await app.inject({ url: '/v1/suggest?q=Pipe&limit=3' });
      const generation = service.generation('acme');
      const key = cache.key('acme', generation, 3, 'pipe');
      expect(JSON.parse((await redis.get(key))!)).toEqual(first.json());
      const ttl = await redis.ttl(key);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl).toBeLessThanOrEqual(30);
      // A planted value proves the next answer comes from Redis.
      await redis.set(key, JSON.stringify({ ...first.json(), suggestions: [] }), 'EX', 30);
      expect((await app.inject({ url: '/v1/suggest?q=pipe&limit=3' })).json().suggestions).toEqual([]);
      service.log('acme', { query: 'pipeline review', count: 100 });
      await service.rebuild('acme');
      expect(service.generation('acme')).not.toBe(generation);
      const fresh = await app.inject({ url: '/v1/suggest?q=pipe&limit=3' });
      expect(fresh.json().suggestions[0].text).toBe('pipeline review');
      expect(await cache.purge('acme')).toBe(2);
      expect(await redis.keys(`${prefix}:acme:*`)).toEqual([]);
    } finally {
      await app.close();
    }
  });

  it('keeps answering when Redis is unreachable', async () => {
    const service = await seeded();
    const broken = new Redis({
      host: '127.0.0.1',
      port: 1,
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    broken.on('error', () => {});
    const cache = new SuggestCache(broken, { prefix });
    const app = await appWith(service, cache);
    try {
      const response = await app.inject({ url: '/v1/suggest?q=pipe' });
      expect(response.statusCode).toBe(200);
      expect(response.json().suggestions).toHaveLength(2);
      expect(cache.errors).toBeGreaterThan(0);
    } finally {
      await app.close();
      broken.disconnect();
    }
  });
});
