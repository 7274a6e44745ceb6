import type { Principal } from '@parley/kit/http';
import { installProblemHandlers, installStrictValidation, requireDeclaredAccess } from '@parley/kit/http';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Answerer } from '../../src/analytics/answerer.js';
import { askRoutes } from '../../src/http/ask-routes.js';
import { createSalesFixture, type SalesFixture } from './fixtures.js';

let f: SalesFixture;
let app: FastifyInstance;
let base: string;
let answerer: Answerer;
const audits: { decision?: string; details: Record<string, unknown> }[] = [];

/**
 * The route on a real Fastify server with the platform's validation and problem handlers; the IAM
 * pipeline is replaced by a hook that takes the caller from `authorization: Bearer <who>` and keeps
 * a request audit record as the pipeline does (authentication and route permissions are the IAM's,
 * covered by the server's access matrix).
 */
beforeAll(async () => {
  f = await createSalesFixture(3000);
  answerer = new Answerer({ db: f.database.db, clock: f.clock });
  const callers: Record<string, Principal> = {
    analyst: {
      tenantId: f.acme,
      subject: 'a1',
      kind: 'user',
      roles: ['analyst'],
      permissions: new Set(['sales:query', 'sales:query_detail']),
    },
    guest: {
      tenantId: f.acme,
      subject: 'g1',
      kind: 'user',
      roles: ['guest'],
      permissions: new Set(['sales:query']),
    },
  };
  app = Fastify();
  installStrictValidation(app);
  installProblemHandlers(app);
  requireDeclaredAccess(app);
  app.addHook('onRequest', async (request) => {
    const who = request.headers.authorization?.replace('Bearer ', '');
    if (who && callers[who]) request.principal = callers[who];
    const audit = { details: {} };
    audits.push(audit);
    (request as unknown as { audit: typeof audit }).audit = audit;
  });
  await app.register(askRoutes(answerer));
  base = await app.listen({ host: '127.0.0.1', port: 0 });
}, 120_000);
afterAll(async () => {
  await app?.close();
  await answerer?.close();
  await f?.database.close();
});

async function ask(body: unknown, who = 'analyst', contentType = 'application/json') {
  const response = await fetch(`${base}/v1/ask`, {
    method: 'POST',
    headers: { authorization: `Bearer ${who}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are checked field by field below.
  const json: any = await response.json();
  return { status: response.status, type: response.headers.get('content-type'), json };
}

describe('POST /v1/ask', () => {
  it('answers with numbers, a table, a Vega-Lite chart and the plan', async () => {
    const { status, json } = await ask({ question: 'revenue by channel last quarter' });
    expect(status).toBe(200);
    expect(json).toMatchObject({ kind: 'answer', intent: 'breakdown', classifierVersion: 'v2' });
    expect(json.table.columns).toEqual(['Channel', 'Revenue']);
    expect(json.chart.$schema).toContain('vega-lite');
    expect(json.plan.dimensions).toEqual(['channel']);
    expect(json.text).toContain('built-in analyst');
  });

  it('a refused question is a 200 answer of kind denied, and the audit record says deny', async () => {
    audits.length = 0;
    const { status, json } = await ask({ question: 'top 10 customers by revenue this year' }, 'guest');
    expect(status).toBe(200);
    expect(json).toMatchObject({ kind: 'denied', missingPermissions: ['sales:query_detail'] });
    expect(json.table).toBeUndefined();
    expect(audits[0]).toMatchObject({
      decision: 'deny',
      details: { missingPermissions: ['sales:query_detail'] },
    });
  });

  it.each([
    ['an empty question', { question: '' }],
    ['a blank question', { question: '   \n ' }],
    ['an oversized question', { question: 'revenue '.repeat(300) }],
    ['a missing question', {}],
    ['a question that is not a string', { question: ['revenue'] }],
    ['an unknown property', { question: 'revenue', tenantId: 'globex' }],
    ['malformed JSON', '{"question": "revenue'],
  ])('%s is a 400 problem', async (_name, body) => {
    const { status, type, json } = await ask(body);
    expect(status).toBe(400);
    expect(type).toContain('application/problem+json');
    expect(json.status).toBe(400);
    expect(JSON.stringify(json)).not.toContain(f.globex);
  });

  it('a body that is not JSON is refused with a 415 problem', async () => {
    const { status, type } = await ask('question=revenue', 'analyst', 'application/x-www-form-urlencoded');
    expect(status).toBe(415);
    expect(type).toContain('application/problem+json');
  });
});
