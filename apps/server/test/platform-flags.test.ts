import { findTenant, seedDemo } from '@parley/iam';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLASSIFIER_FLAG } from '../src/platform-flags.js';
import { accessTokenFor, createTestAppWithIam, type TestAppWithIam } from './helpers.js';

const PASSWORD = 'platform-flags-password-1';
const ENV = '/v1/flags/projects/parley/environments/production';

/** Waits for `check` to hold, polling: flag changes arrive over the SDK's event stream. */
async function eventually(check: () => Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Parley reads its own flags through OpenFeature and Parley's flags provider: one Parley (the flags
 * service) holds the `parley.assistant.classifier` flag; another (the assistant) is configured with
 * its URL and a server SDK key, and routes each question with the classifier the flag serves for
 * the asking tenant.
 */
describe('Parley reads its own flags through OpenFeature', () => {
  let flags: TestAppWithIam;
  let assistant: TestAppWithIam;
  let admin: Record<string, string>;
  const auth: Record<'acme' | 'globex', Record<string, string>> = { acme: {}, globex: {} };

  const flag = (rules: unknown[]) => ({
    key: CLASSIFIER_FLAG,
    type: 'string',
    variations: [{ value: 'v1' }, { value: 'v2' }],
    on: true,
    offVariation: 1,
    fallthrough: { variation: 1 },
    rules,
  });
  const put = async (rules: unknown[]) => {
    const current = await flags.app.inject({ url: `${ENV}/flags/${CLASSIFIER_FLAG}`, headers: admin });
    const res = await flags.app.inject({
      method: 'PUT',
      url: `${ENV}/flags/${CLASSIFIER_FLAG}`,
      headers: {
        ...admin,
        ...(current.statusCode === 200 ? { 'if-match': current.headers.etag as string } : {}),
      },
      payload: flag(rules),
    });
    expect(res.statusCode, res.body).toBeLessThan(300);
  };
  const classifierOf = async (tenant: 'acme' | 'globex') => {
    const res = await assistant.app.inject({
      method: 'POST',
      url: '/v1/ask',
      headers: auth[tenant],
      payload: { question: 'hello, what can you do?' },
    });
    return res.json().classifierVersion as string;
  };

  beforeAll(async () => {
    flags = await createTestAppWithIam({ modules: ['flags'] });
    await seedDemo(flags.iam, PASSWORD);
    admin = {
      authorization: `Bearer ${await accessTokenFor(flags.app, 'acme', 'admin@acme.test', PASSWORD)}`,
    };
    const call = async (url: string, payload: object) => {
      const res = await flags.app.inject({ method: 'POST', url, headers: admin, payload });
      expect(res.statusCode, res.body).toBe(201);
      return res.json();
    };
    await call('/v1/flags/projects', { key: 'parley', name: 'Parley itself' });
    await call('/v1/flags/projects/parley/environments', { key: 'production', name: 'Production' });
    const key = await call(`${ENV}/sdk-keys`, { kind: 'server', name: 'parley servers' });
    const flagsUrl = await flags.app.listen({ host: '127.0.0.1', port: 0 });

    assistant = await createTestAppWithIam({
      modules: ['assistant'],
      env: { PARLEY_FLAGS_SDK_KEY: key.key, PARLEY_FLAGS_URL: flagsUrl },
    });
    await seedDemo(assistant.iam, PASSWORD);
    for (const tenant of ['acme', 'globex'] as const)
      auth[tenant] = {
        authorization: `Bearer ${await accessTokenFor(assistant.app, tenant, `analyst@${tenant}.test`, PASSWORD)}`,
      };
    const ownUrl = await assistant.app.listen({ host: '127.0.0.1', port: 0 });
    assistant.platformFlags.connect(ownUrl);
  });
  afterAll(async () => {
    await assistant?.close();
    await flags?.close();
  });

  it('serves the configured classifier until the flag exists, then the flag decides per tenant, live', async () => {
    expect(await classifierOf('acme')).toBe('v2'); // configuration's default, no flag yet

    // acme rolls back to v1; everyone else stays on v2.
    const acme = (await findTenant(assistant.iam.db, 'acme'))!;
    await put([
      {
        id: 'acme-on-v1',
        clauses: [{ attribute: 'tenantId', op: 'in', values: [acme.id] }],
        serve: { variation: 0 },
      },
    ]);
    await eventually(async () => (await classifierOf('acme')) === 'v1');
    expect(await classifierOf('globex')).toBe('v2');

    // The rollback ends: the change reaches the running server over the SDK's stream.
    await put([]);
    await eventually(async () => (await classifierOf('acme')) === 'v2');
  });
});
