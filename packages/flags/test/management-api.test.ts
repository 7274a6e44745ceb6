import { OFREPProvider } from '@openfeature/ofrep-provider';
import { OpenFeature, ProviderEvents } from '@openfeature/server-sdk';
import { createTestDatabase, type TestDatabase } from '@parley/db/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ParleyProvider } from '../src/sdk/index.js';
import { PgFlagStore } from '../src/store/index.js';
import { booleanFlag } from './fixtures.js';
import { as, type Caller, managementApp } from './support/management-app.js';
import { createTenant } from './support/tenants.js';
import { eventually, until } from './support/wait.js';

let database: TestDatabase;
let store: PgFlagStore;
let app: FastifyInstance;
let baseUrl: string;
let ann: Caller;
let bob: Caller;
let reader: Caller;
let outsider: Caller;

const ENV = '/v1/flags/projects/web/environments';

beforeAll(async () => {
  database = await createTestDatabase();
  store = new PgFlagStore({ db: database.db });
  const acme = await createTenant(database, 'acme');
  const globex = await createTenant(database, 'globex');
  const all = ['flags:read', 'flags:write', 'flags:approve'];
  ann = { tenantId: acme, subject: 'ann', permissions: all };
  bob = { tenantId: acme, subject: 'bob', permissions: all };
  reader = { tenantId: acme, subject: 'rita', permissions: ['flags:read'] };
  outsider = { tenantId: globex, subject: 'otto', permissions: all };
  app = await managementApp(store);
  baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
  const created = await app.inject({
    method: 'POST',
    url: '/v1/flags/projects',
    headers: as(ann),
    payload: { key: 'web', name: 'Web shop' },
  });
  expect(created.statusCode).toBe(201);
  for (const payload of [
    { key: 'dev', name: 'Development' },
    { key: 'prod', name: 'Production', protected: true, requiredApprovals: 1 },
  ]) {
    const env = await app.inject({ method: 'POST', url: ENV, headers: as(ann), payload });
    expect(env.statusCode).toBe(201);
  }
});

afterAll(async () => {
  await OpenFeature.close();
  await app.close();
  await store.close();
  await database.close();
});

describe('projects and environments', () => {
  it('lists them per tenant and refuses duplicates with 409', async () => {
    const list = await app.inject({ url: ENV, headers: as(reader) });
    expect(list.json().environments).toEqual([
      expect.objectContaining({ key: 'dev', protected: false }),
      expect.objectContaining({ key: 'prod', protected: true, requiredApprovals: 1 }),
    ]);
    const again = await app.inject({
      method: 'POST',
      url: ENV,
      headers: as(ann),
      payload: { key: 'dev', name: 'again' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toContain('application/problem+json');
    expect((await app.inject({ url: '/v1/flags/projects', headers: as(outsider) })).json()).toEqual({
      projects: [],
    });
    expect((await app.inject({ url: ENV, headers: as(outsider) })).statusCode).toBe(404);
  });
});

describe('flag CRUD', () => {
  const url = `${ENV}/dev/flags/checkout`;

  it('creates, reads with an ETag, updates with If-Match, and answers 412 on a stale ETag', async () => {
    const created = await app.inject({
      method: 'PUT',
      url,
      headers: as(ann),
      payload: booleanFlag('checkout'),
    });
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    const read = await app.inject({ url, headers: as(reader) });
    expect(read.json()).toMatchObject({ key: 'checkout', version: 1 });
    const updated = await app.inject({
      method: 'PUT',
      url,
      headers: { ...as(bob), 'if-match': '"1"' },
      payload: booleanFlag('checkout', { on: false }),
    });
    expect(updated.statusCode).toBe(200);
    expect(updated.headers.etag).toBe('"2"');
    const stale = await app.inject({
      method: 'PUT',
      url,
      headers: { ...as(ann), 'if-match': '"1"' },
      payload: booleanFlag('checkout'),
    });
    expect(stale.statusCode).toBe(412);
    expect(stale.json()).toMatchObject({ type: 'urn:parley:problem:precondition-failed' });
    const badTag = await app.inject({
      method: 'PUT',
      url,
      headers: { ...as(ann), 'if-match': 'nope' },
      payload: {},
    });
    expect(badTag.statusCode).toBe(400);
  });

  it('reports definition problems with JSON Pointers into the body', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: `${ENV}/dev/flags/broken`,
      headers: as(ann),
      payload: booleanFlag('broken', {
        rules: [
          {
            id: 'r',
            clauses: [{ attribute: 'email', op: 'matches', values: ['(a)\\1'] }],
            serve: { variation: 1 },
          },
        ],
      }),
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      expect.objectContaining({ path: '/body/rules/0/clauses/0/values/0' }),
    ]);
    const wrongKey = await app.inject({
      method: 'PUT',
      url: `${ENV}/dev/flags/broken`,
      headers: as(ann),
      payload: booleanFlag('other'),
    });
    expect(wrongKey.json().errors).toEqual([expect.objectContaining({ path: '/body/key' })]);
    const notJson = await app.inject({
      method: 'PUT',
      url: `${ENV}/dev/flags/broken`,
      headers: { ...as(ann), 'content-type': 'application/json' },
      payload: '[1,',
    });
    expect(notJson.statusCode).toBe(400);
  });

  it('serves the history of a flag with diffs, actors and times', async () => {
    const response = await app.inject({ url: `${url}/history`, headers: as(reader) });
    expect(response.statusCode).toBe(200);
    expect(response.json().history).toEqual([
      expect.objectContaining({
        action: 'update',
        version: 2,
        actor: 'user:bob',
        diff: [{ op: 'replace', path: '/on', value: false }],
      }),
      expect.objectContaining({ action: 'create', version: 1, actor: 'user:ann' }),
    ]);
  });

  it('enforces permissions and tenant isolation', async () => {
    expect(
      (await app.inject({ method: 'PUT', url, headers: as(reader), payload: booleanFlag('checkout') }))
        .statusCode,
    ).toBe(403);
    expect((await app.inject({ url })).statusCode).toBe(401);
    expect((await app.inject({ url, headers: as(outsider) })).statusCode).toBe(404);
    expect((await app.inject({ method: 'DELETE', url, headers: as(outsider) })).statusCode).toBe(404);
  });

  it('refuses direct writes to a protected environment with 409', async () => {
    const response = await app.inject({
      method: 'PUT',
      url: `${ENV}/prod/flags/checkout`,
      headers: as(ann),
      payload: booleanFlag('checkout'),
    });
    expect(response.statusCode).toBe(409);
  });
});

describe('change requests over HTTP', () => {
  it('apply a change to a protected environment after an approval from someone else', async () => {
    const created = await app.inject({
      method: 'POST',
      url: `${ENV}/prod/change-requests`,
      headers: as(ann),
      payload: { subject: 'flag', key: 'checkout', operation: 'put', definition: booleanFlag('checkout') },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id as string;
    const approvals = `${ENV}/prod/change-requests/${id}/approvals`;
    expect((await app.inject({ method: 'POST', url: approvals, headers: as(ann) })).statusCode).toBe(403);
    const edit = await app.inject({
      method: 'PUT',
      url: `${ENV}/prod/change-requests/${id}`,
      headers: { ...as(ann), 'if-match': '"7"' },
      payload: { subject: 'flag', key: 'checkout', operation: 'put', definition: booleanFlag('checkout') },
    });
    expect(edit.statusCode).toBe(412);
    const approved = await app.inject({ method: 'POST', url: approvals, headers: as(bob) });
    expect(approved.json()).toMatchObject({ status: 'applied', approvals: [{ approver: 'user:bob' }] });
    const flag = await app.inject({ url: `${ENV}/prod/flags/checkout`, headers: as(reader) });
    expect(flag.json()).toMatchObject({ on: true, version: 1 });
    const unknown = await app.inject({
      method: 'POST',
      url: `${ENV}/prod/change-requests/0190a0a0-0000-7000-8000-000000000000/approvals`,
      headers: as(bob),
    });
    expect(unknown.statusCode).toBe(404);
    const badId = await app.inject({ url: `${ENV}/prod/change-requests/not-a-uuid`, headers: as(bob) });
    expect(badId.statusCode).toBe(400);
  });
});

describe('delivery from PostgreSQL with SDK keys', () => {
  it('streams changes to the OpenFeature provider, serves OFREP to client keys, and counts evaluations', async () => {
    const serverKey = await app.inject({
      method: 'POST',
      url: `${ENV}/dev/sdk-keys`,
      headers: as(ann),
      payload: { kind: 'server', name: 'backend' },
    });
    expect(serverKey.statusCode).toBe(201);
    expect(serverKey.headers['cache-control']).toBe('no-store');
    const clientKey = await app.inject({
      method: 'POST',
      url: `${ENV}/dev/sdk-keys`,
      headers: as(ann),
      payload: { kind: 'client', name: 'browser' },
    });
    const { key: server } = serverKey.json() as { key: string };
    const { key: client, id: clientId } = clientKey.json() as { key: string; id: string };
    const listed = await app.inject({ url: `${ENV}/dev/sdk-keys`, headers: as(ann) });
    expect(listed.body).not.toContain(server);

    // Client keys only evaluate: no ruleset.
    const refused = await app.inject({
      url: '/sdk/v1/ruleset',
      headers: { authorization: `Bearer ${client}` },
    });
    expect(refused.statusCode).toBe(403);

    const provider = new ParleyProvider({ baseUrl, sdkKey: server, usageIntervalMs: 0 });
    await OpenFeature.setProviderAndWait('pg', provider);
    const of = OpenFeature.getClient('pg');
    expect(await of.getBooleanValue('checkout', true)).toBe(false);
    const changes: string[][] = [];
    of.addHandler(ProviderEvents.ConfigurationChanged, (details) =>
      changes.push(details?.flagsChanged ?? []),
    );
    const put = await app.inject({
      method: 'PUT',
      url: `${ENV}/dev/flags/checkout`,
      headers: as(ann),
      payload: booleanFlag('checkout'),
    });
    expect(put.statusCode).toBe(200);
    await until(() => changes.length > 0, 5_000, 'the streamed change');
    expect(changes[0]).toEqual(['checkout']);
    expect(await of.getBooleanValue('checkout', false)).toBe(true);
    await provider.client.sendUsage();

    OpenFeature.setProvider(
      'ofrep',
      new OFREPProvider({ baseUrl, headers: [['Authorization', `Bearer ${client}`]] }),
    );
    const remote = OpenFeature.getClient('ofrep');
    expect(await remote.getBooleanDetails('checkout', false, { targetingKey: 'u1' })).toMatchObject({
      value: true,
      reason: 'STATIC',
    });

    // one SDK report (two evaluations) and one OFREP batch (flushed every 100 ms here)
    await eventually(async () => {
      const usage = await store.usage({ tenantId: ann.tenantId, project: 'web', environment: 'dev' });
      expect(usage.find((u) => u.key === 'checkout')?.evaluations).toBe(3);
    });
    const report = await app.inject({ url: `${ENV}/dev/stale-flags`, headers: as(reader) });
    expect(report.json().flags).toEqual([
      expect.objectContaining({ key: 'checkout', lastEvaluatedAt: expect.any(String), reasons: [] }),
    ]);

    const revoke = await app.inject({
      method: 'DELETE',
      url: `${ENV}/dev/sdk-keys/${clientId}`,
      headers: as(ann),
    });
    expect(revoke.statusCode).toBe(204);
    const afterRevoke = await app.inject({
      method: 'POST',
      url: '/ofrep/v1/evaluate/flags/checkout',
      headers: { authorization: `Bearer ${client}` },
      payload: { context: {} },
    });
    expect(afterRevoke.statusCode).toBe(401);
  });
});
