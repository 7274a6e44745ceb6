import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { createTestDatabase } from '@parley/db/testing';
import { findTenant, seedDemo } from '@parley/iam';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ModuleContext } from '../src/modules/module.js';
import { openSuggestModule } from '../src/modules/suggest.js';
import { accessTokenFor, createTestAppWithIam, createTestPlatform, type TestAppWithIam } from './helpers.js';

const PASSWORD = 'suggest-demo-password-1';

interface Answer {
  suggestions: { text: string; source: string; typo: boolean }[];
}

describe('suggest module in the server', () => {
  let t: TestAppWithIam;
  const tokens: Record<string, string> = {};

  beforeAll(async () => {
    t = await createTestAppWithIam({ modules: ['suggest'], env: { PARLEY_SUGGEST_DELTA_INTERVAL: '100ms' } });
    await seedDemo(t.iam, PASSWORD);
    for (const [tenant, role] of [
      ['acme', 'guest'],
      ['acme', 'analyst'],
      ['globex', 'admin'],
      ['globex', 'guest'],
    ] as const) {
      tokens[`${tenant}-${role}`] = await accessTokenFor(t.app, tenant, `${role}@${tenant}.test`, PASSWORD);
    }
  });
  afterAll(async () => {
    await t?.close();
  });

  const auth = (who: string) => ({ authorization: `Bearer ${tokens[who]}` });
  const suggest = async (who: string, q: string) => {
    const res = await t.app.inject({ url: `/v1/suggest?${new URLSearchParams({ q })}`, headers: auth(who) });
    expect(res.statusCode, res.body).toBe(200);
    return (res.json() as Answer).suggestions.map((s) => s.text);
  };
  const log = (who: string, query: string) =>
    t.app.inject({ method: 'POST', url: '/v1/suggest/log', headers: auth(who), payload: { query } });
  /** Polls until `who` is offered `text` for `q` (the delta index is built every 100 ms here). */
  const offered = async (who: string, q: string, text: string) => {
    for (let attempt = 0; attempt < 100; attempt++) {
      if ((await suggest(who, q)).includes(text)) return true;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return false;
  };

  it('gives a guest of a demo tenant the sales questions it was seeded with, typos included', async () => {
    const exact = await suggest('acme-guest', 'pipeline b');
    expect(exact.length).toBeGreaterThan(0);
    for (const text of exact) expect(text.startsWith('pipeline b')).toBe(true);
    expect((await suggest('acme-guest', 'pipleine b')).some((text) => text.startsWith('pipeline b'))).toBe(
      true,
    );
  });

  it("never shows one tenant's logged queries to another, cached answers included", async () => {
    const secret = 'globex merger codename bluebird';
    for (let i = 0; i < 3; i++) expect((await log('globex-admin', secret)).statusCode).toBe(202);
    expect(await offered('globex-guest', 'globex merger', secret)).toBe(true);
    // Same prefixes from acme, exact and misspelt, twice (the second may come from the Redis cache).
    for (let round = 0; round < 2; round++) {
      for (const q of ['globex merger', 'globex merger codename', 'globez mreger', 'g']) {
        expect(await suggest('acme-guest', q)).not.toContain(secret);
      }
    }

    const own = 'acme renewal drill down for emea';
    expect((await log('acme-analyst', own)).statusCode).toBe(202);
    expect(await offered('acme-guest', 'acme renewal', own)).toBe(true);
    expect(await suggest('globex-guest', 'acme renewal')).not.toContain(own);
  });

  it('lets guests read but not write the query log', async () => {
    const res = await log('acme-guest', 'guests cannot steer suggestions');
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });

  it('answers bad input with a problem, not a crash', async () => {
    for (const q of ['a\u0000b', 'x'.repeat(300)]) {
      const res = await t.app.inject({
        url: `/v1/suggest?${new URLSearchParams({ q })}`,
        headers: auth('acme-guest'),
      });
      expect(res.statusCode, q.slice(0, 10)).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    // Bytes that are not UTF-8 (a lone surrogate, 0xFF) arrive as U+FFFD, which completes nothing.
    for (const raw of ['%ED%A0%80', '%FF%FE']) {
      const res = await t.app.inject({ url: `/v1/suggest?q=${raw}`, headers: auth('acme-guest') });
      expect(res.statusCode, raw).toBe(200);
      expect(res.json().suggestions, raw).toEqual([]);
    }
    const limit = await t.app.inject({ url: '/v1/suggest?q=pipe&limit=0', headers: auth('acme-guest') });
    expect(limit.statusCode).toBe(400);
    expect(await suggest('acme-guest', '   ')).toEqual([]);
  });
});

describe('suggest module across a restart', () => {
  it('writes its indexes on close and serves them again from the snapshots, without seeding again', async () => {
    const platform = await createTestPlatform();
    const { context, database, iam } = platform;
    const { dataDir } = context;
    try {
      await seedDemo(iam, PASSWORD);
      const acme = (await findTenant(database.db, 'acme'))!;
      /** The module's routes with acme's guest as the caller (the IAM guard is tested above). */
      const serve = async (moduleContext: ModuleContext) => {
        const module = await openSuggestModule(moduleContext);
        const app = Fastify();
        app.addHook('onRequest', async (request) => {
          request.principal = {
            tenantId: acme.id,
            subject: 'guest-1',
            kind: 'user',
            roles: ['guest'],
            permissions: new Set(['suggest:read']),
          };
        });
        await app.register(module.plugin);
        const texts = async (q: string) => {
          const answer = (await app.inject({ url: `/v1/suggest?q=${q}` })).json() as Answer & {
            generation: number;
          };
          return { generation: answer.generation, texts: answer.suggestions.map((s) => s.text) };
        };
        return { module, app, texts };
      };

      const first = await serve(context);
      const before = await first.texts('forecast');
      expect(before.texts.length).toBeGreaterThan(0);
      await first.app.close();
      await first.module.close();
      expect((await readdir(join(dataDir, 'suggest'))).length).toBe(2); // acme and globex

      // A database without the demo tenants: whatever acme is offered now comes from the snapshots.
      const empty = await createTestDatabase();
      const second = await serve({ ...context, database: empty });
      expect(await second.texts('forecast')).toEqual(before);
      await second.app.close();
      await second.module.close();
      await empty.close();
    } finally {
      await platform.close();
    }
  });
});
