import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from './helpers.js';

const Item = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100 }),
    count: Type.Integer({ minimum: 0, maximum: 1000 }),
    tags: Type.Optional(Type.Array(Type.String({ maxLength: 20 }), { maxItems: 10 })),
  },
  { additionalProperties: false },
);

async function echoModule(app: FastifyInstance) {
  app.post('/v1/items', { config: { public: true }, schema: { body: Item } }, async (request) => ({
    received: request.body,
  }));
}

/** Deterministic PRNG (mulberry32) so a failing case can be replayed. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function expectCleanProblem(
  res: { statusCode: number; headers: Record<string, unknown>; body: string },
  label: string,
) {
  expect(res.statusCode, label).toBeGreaterThanOrEqual(400);
  expect(res.statusCode, label).toBeLessThan(500);
  expect(String(res.headers['content-type']), label).toMatch(/^application\/problem\+json/);
  expect(res.body, label).not.toMatch(/\bat .+\.(ts|js):\d+/);
  const body = JSON.parse(res.body);
  expect(body.status, label).toBe(res.statusCode);
  expect(body.type, label).toMatch(/^urn:parley:problem:/);
}

describe('bad input at the edge', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp([echoModule], 64 * 1024);
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (payload: string | Buffer, contentType = 'application/json') =>
    t.app.inject({ method: 'POST', url: '/v1/items', payload, headers: { 'content-type': contentType } });

  it('accepts a valid body', async () => {
    const res = await post(JSON.stringify({ name: 'widget', count: 3 }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: { name: 'widget', count: 3 } });
  });

  it('names every failing field path on a schema violation', async () => {
    const res = await post(JSON.stringify({ count: 'three', extra: 1, tags: ['ok', 5] }));
    expect(res.statusCode).toBe(400);
    expect(res.json().type).toBe('urn:parley:problem:validation');
    const paths = res.json().errors.map((e: { path: string }) => e.path);
    expect(paths).toEqual(
      expect.arrayContaining(['/body/name', '/body/count', '/body/extra', '/body/tags/1']),
    );
  });

  it('answers malformed JSON with 400', async () => {
    const res = await post('{"name": "x", "count": ');
    expect(res.statusCode).toBe(400);
    expect(res.json().detail).toBe('The body is not valid JSON');
  });

  it('answers a body over the limit with 413', async () => {
    const res = await post(JSON.stringify({ name: 'x'.repeat(100_000), count: 1 }));
    expect(res.statusCode).toBe(413);
    expectCleanProblem(res, 'too large');
  });

  it('answers an unsupported content type with 415', async () => {
    const res = await post('name=x&count=1', 'application/x-www-form-urlencoded');
    expect(res.statusCode).toBe(415);
    expectCleanProblem(res, 'form');
  });

  it('survives deeply nested bodies', async () => {
    const depth = 30_000;
    const res = await post(`${'['.repeat(depth)}${']'.repeat(depth)}`);
    expectCleanProblem(res, 'nested array');
    const objects = `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`;
    expectCleanProblem(await post(objects), 'nested object');
  });

  it('rejects prototype pollution attempts', async () => {
    const res = await post('{"name":"x","count":1,"__proto__":{"admin":true}}');
    expectCleanProblem(res, '__proto__');
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('fuzz: random and mutated bodies always get a clean 4xx and the process lives', async () => {
    const next = random(20261122);
    const valid = JSON.stringify({ name: 'widget', count: 7, tags: ['a', 'b'] });
    const types = [
      'application/json',
      'application/json; charset=utf-8',
      'text/plain',
      'application/xml',
      '',
    ];
    for (let i = 0; i < 400; i++) {
      let payload: Buffer;
      const mode = i % 4;
      if (mode === 0) {
        payload = Buffer.from(valid.slice(0, Math.floor(next() * valid.length)));
      } else if (mode === 1) {
        const bytes = Buffer.from(valid);
        for (let m = 0; m < 1 + Math.floor(next() * 4); m++) {
          bytes[Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
        }
        payload = bytes;
      } else if (mode === 2) {
        payload = Buffer.from(
          Array.from({ length: Math.floor(next() * 200) }, () => Math.floor(next() * 256)),
        );
      } else {
        const wrong = [null, true, 1.5, -1, 1e300, 'x'.repeat(200), [], {}, [1, 2], { a: { b: {} } }];
        const pick = () => wrong[Math.floor(next() * wrong.length)];
        payload = Buffer.from(JSON.stringify({ name: pick(), count: pick(), tags: pick() }));
      }
      const type = types[Math.floor(next() * types.length)]!;
      const res = await post(payload, type);
      if (res.statusCode === 200) {
        // A mutation may still produce a valid document; then the echo must equal the parsed input.
        expect(res.json().received).toEqual(JSON.parse(payload.toString()));
        continue;
      }
      expectCleanProblem(res, `case ${i} (${type}): ${payload.toString('hex').slice(0, 80)}`);
    }
    expect((await t.app.inject('/health/live')).statusCode).toBe(200);
  });
});
