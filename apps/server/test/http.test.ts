import { createLogger } from '@parley/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { createTestApp, type TestApp } from './helpers.js';

describe('server HTTP basics', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is live and ready when the database answers', async () => {
    expect((await t.app.inject('/health/live')).json()).toEqual({ status: 'ok' });
    const ready = await t.app.inject('/health/ready');
    expect(ready.statusCode).toBe(200);
    expect(ready.json()).toEqual({ status: 'ok', checks: { database: { status: 'ok' } } });
  });

  it('echoes a well-formed X-Request-Id and replaces a malformed one', async () => {
    const kept = await t.app.inject({ url: '/health/live', headers: { 'x-request-id': 'abc-123.x' } });
    expect(kept.headers['x-request-id']).toBe('abc-123.x');
    const replaced = await t.app.inject({ url: '/health/live', headers: { 'x-request-id': 'bad id\u0007' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7/);
  });

  it('answers an unknown route with a problem+json 404', async () => {
    const res = await t.app.inject('/nope?x=1');
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.json()).toMatchObject({
      type: 'urn:parley:problem:not-found',
      status: 404,
      instance: '/nope',
    });
  });

  it('exposes Prometheus metrics with route templates, not raw URLs', async () => {
    await t.app.inject('/health/live');
    await t.app.inject('/does/not/exist/123');
    const res = await t.app.inject('/metrics');
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0.0.4/);
    expect(res.body).toMatch(
      /http_request_duration_seconds_bucket\{[^}]*route="\/health\/live"[^}]*status_code="200"/,
    );
    expect(res.body).toMatch(/route="unmatched"/);
    expect(res.body).not.toContain('/does/not/exist/123');
    expect(res.body).toContain('nodejs_eventloop_lag_seconds');
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const doc = (await t.app.inject('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/health/ready']).toBeDefined();
    const ui = await t.app.inject('/docs/');
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain('swagger');
  });
});

describe('readiness', () => {
  it('is 503 naming the failing dependency, without leaking connection strings', async () => {
    const app = await buildApp({
      logger: createLogger({ level: 'silent' }),
      bodyLimit: 1024 * 1024,
      readiness: [
        { name: 'database', check: async () => {} },
        {
          name: 'redis',
          check: async () => {
            throw new Error('connect ECONNREFUSED redis://:secret@10.0.0.1:6379');
          },
        },
      ],
    });
    const res = await app.inject('/health/ready');
    expect(res.statusCode).toBe(503);
    expect(res.json()).toEqual({
      status: 'unavailable',
      checks: {
        database: { status: 'ok' },
        redis: { status: 'failing', error: 'connect ECONNREFUSED [url]' },
      },
    });
    await app.close();
  });
});

describe('deny by default', () => {
  it('refuses to start when a route declares neither a permission nor public access', async () => {
    await expect(
      buildApp({
        logger: createLogger({ level: 'silent' }),
        bodyLimit: 1024,
        readiness: [],
        modules: [
          async (app) => {
            app.get('/v1/oops', async () => 'open to all by accident');
          },
        ],
      }),
    ).rejects.toThrow(/GET \/v1\/oops declares neither a permission nor public access/);
  });
});
