import { problems } from '@parley/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.js';

describe('errors leave as problem+json', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp([
      async (app) => {
        app.get('/v1/crash', { config: { public: true } }, async () => {
          throw new Error(
            'connection to db.internal:5432 failed: password authentication failed for "parley"',
          );
        });
        app.get('/v1/limited', { config: { public: true } }, async () => {
          throw problems.tooManyRequests(42);
        });
      },
    ]);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a server fault is an opaque 500: no message, no stack', async () => {
    const res = await t.app.inject('/v1/crash');
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({
      type: 'urn:parley:problem:internal',
      title: 'Internal Server Error',
      status: 500,
      detail: 'An unexpected error occurred',
      instance: '/v1/crash',
    });
    expect(res.body).not.toContain('db.internal');
  });

  it('a thrown ProblemError keeps its status, type and headers', async () => {
    const res = await t.app.inject('/v1/limited');
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('42');
    expect(res.json().type).toBe('urn:parley:problem:rate-limited');
  });
});
